"""What every JSON API handler of the switch shares: the error shape and reading a JSON body."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


def error(status: int, code: str, message: str, **extra: Any) -> web.Response:
    """A refusal: a stable `code` for programs, a `message` naming what is wrong for people."""
    return web.json_response({"error": code, "message": message, **extra}, status=status)


def unauthorised() -> web.Response:
    return error(401, "unauthorized", "an 'Authorization: Bearer <api token>' is required")


async def json_object(request: web.Request) -> dict[str, Any] | web.Response:
    """The request's JSON object, or the refusal to answer with."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return error(400, "bad-json", "the body must be a JSON object")
    if not isinstance(body, dict):
        return error(400, "bad-json", "the body must be a JSON object")
    return body
