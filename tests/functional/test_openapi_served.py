"""The API's OpenAPI document as the running switch serves it: JSON, to anyone."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from tests.functional.call_harness import Stack

OPENAPI = Path(__file__).resolve().parents[2] / "console" / "openapi.yaml"


def _yaml_document() -> Any:
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))


async def test_openapi_document_is_served_as_json_without_signing_in(stack: Stack) -> None:
    url = f"{stack.hotline.status_url}/api/openapi.json"
    async with aiohttp.ClientSession() as session:
        for _ in range(2):  # the second answer comes from the cache
            async with session.get(url) as response:
                assert response.status == 200
                assert response.content_type == "application/json"
                served = await response.json()
            assert "/api/openapi.json" in served["paths"]
    # Parsing the YAML takes longer than the event-loop guard allows: in a thread.
    assert served == await asyncio.to_thread(_yaml_document)
