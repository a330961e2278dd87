"""Work orders on the web: the JSON API for agents, and the judge's reply page from the SMS link."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from hotline.api import error, json_object, unauthorised
from hotline.logs import mask_phone
from workorders.errors import LinkExpired, LinkInvalid, WorkOrderError
from workorders.links import LinkPurpose
from workorders.model import (
    CATEGORY_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    Category,
    Urgency,
    WorkOrder,
)
from workorders.service import NewWorkOrder, WorkOrderNotFound, WorkOrderService

MAX_TEXT = 2000

_ERROR_STATUS = {
    "work-order-not-found": 404,
    "work-order-bad-transition": 409,
    "work-order-empty-reply": 422,
    "work-order-invalid": 422,
    "work-order-no-eligible-handler": 422,
}


def order_document(order: WorkOrder, *, personal_data: bool) -> dict[str, Any]:
    def number(value: str | None) -> str | None:
        return value if personal_data or value is None else mask_phone(value)

    return {
        "id": order.id,
        "court_id": order.court_id,
        "case_number": order.case_number,
        "category": order.category.value,
        "urgency": order.urgency.value,
        "status": order.status.value,
        "caller_number": number(order.caller_number),
        "content": order.content,
        "created_at": order.created_at.isoformat(),
        "due_at": order.due_at.isoformat(),
        "handler": {
            "kind": order.handler.kind.value,
            "name": order.handler.name,
            "mobile": number(order.handler.mobile),
        },
        "escalation_level": order.escalation_level,
        "reminders_sent": order.reminders_sent,
        "reply": order.reply,
        "replied_at": order.replied_at.isoformat() if order.replied_at else None,
        "closed_at": order.closed_at.isoformat() if order.closed_at else None,
        "follow_ups": order.follow_ups,
    }


class WorkOrderApi:
    def __init__(
        self,
        service: Callable[[], WorkOrderService | None],
        authorised: Callable[[web.Request], bool],
    ) -> None:
        self._service = service
        self._authorised = authorised

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/work-orders", self._create)
        app.router.add_get("/api/work-orders/{order_id}", self._get)
        app.router.add_post("/api/work-orders/{order_id}/{action}", self._act)
        app.router.add_get("/w/{token}", self._reply_page)
        app.router.add_post("/w/{token}", self._reply_from_page)

    # ---- the API -------------------------------------------------------------------------
    async def _body(self, request: web.Request) -> dict[str, Any] | web.Response:
        if not self._authorised(request):
            return unauthorised()
        return await json_object(request)

    @staticmethod
    def _text(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
        value = body.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            raise ValueError(f"{name}: must be a non-empty string of at most {MAX_TEXT} characters")
        return value.strip()

    async def _create(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        service = self._service()
        if service is None:
            return error(503, "not-ready", "the switch is starting")
        try:
            category = Category(str(body.get("category")))
        except ValueError:
            choices = ", ".join(c.value for c in Category)
            return error(422, "bad-field", f"category: must be one of {choices}")
        try:
            urgency = Urgency(str(body.get("urgency", "normal")))
        except ValueError:
            return error(422, "bad-field", "urgency: must be normal or urgent")
        try:
            new = NewWorkOrder(
                court_id=self._text(body, "court_id") or "",
                case_number=self._text(body, "case_number", required=False),
                category=category,
                urgency=urgency,
                caller_number=self._text(body, "caller_number") or "",
                content=self._text(body, "content") or "",
                by=self._text(body, "by") or "",
                complained_judge_id=self._text(body, "complained_judge_id", required=False),
                call_id=self._text(body, "call_id", required=False),
            )
        except ValueError as exc:
            return error(422, "bad-field", str(exc))
        try:
            created = await service.create(new)
        except WorkOrderError as exc:
            return error(_ERROR_STATUS.get(exc.code, 409), exc.code, str(exc))
        document = order_document(created.order, personal_data=True)
        document["follow_up"] = created.follow_up
        return web.json_response(document, status=200 if created.follow_up else 201)

    async def _get(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return unauthorised()
        service = self._service()
        if service is None:
            return error(503, "not-ready", "the switch is starting")
        order_id = self._order_id(request)
        if order_id is None:
            return error(404, "work-order-not-found", "no such work order")
        try:
            order = await service.get(order_id)
        except WorkOrderNotFound as exc:
            return error(404, exc.code, str(exc))
        document = order_document(order, personal_data=True)
        document["events"] = [
            {"at": e.at.isoformat(), "kind": e.kind.value, "actor": e.actor, "detail": e.detail}
            for e in await service.history(order_id)
        ]
        return web.json_response(document)

    async def _act(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        service = self._service()
        if service is None:
            return error(503, "not-ready", "the switch is starting")
        order_id = self._order_id(request)
        if order_id is None:
            return error(404, "work-order-not-found", "no such work order")
        action = request.match_info["action"]
        try:
            by = self._text(body, "by") or ""
            if action == "reply":
                order = await service.reply(order_id, self._text(body, "text") or "", by)
            elif action == "close":
                order = await service.close(order_id, by)
            elif action == "reopen":
                order = await service.reopen(order_id, self._text(body, "reason") or "", by)
            else:
                return error(404, "bad-action", "action: must be reply, close or reopen")
        except ValueError as exc:
            return error(422, "bad-field", str(exc))
        except WorkOrderError as exc:
            return error(_ERROR_STATUS.get(exc.code, 409), exc.code, str(exc))
        return web.json_response(order_document(order, personal_data=True))

    @staticmethod
    def _order_id(request: web.Request) -> int | None:
        raw = request.match_info["order_id"]
        # ASCII only: str.isdigit() also accepts digits such as "²" that int() refuses.
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None

    # ---- the judge's reply page ------------------------------------------------------------
    async def _reply_page(self, request: web.Request) -> web.Response:
        service = self._service()
        if service is None:
            return _page(503, "系统启动中", "<p>系统正在启动，请稍后再试。</p>")
        try:
            order_id, purpose = service.open_link(request.match_info["token"])
            order = await service.get(order_id)
        except LinkExpired:
            return _page(410, "链接已过期", "<p>此链接已过期，请致电12368热线办理。</p>")
        except (LinkInvalid, WorkOrderNotFound):
            return _page(404, "链接无效", "<p>此链接无效。</p>")
        replying = purpose is LinkPurpose.REPLY and order.is_open
        page = _order_html(order, replying=replying, zone=service.zone)
        return _page(200, f"工单{order.id}", page)

    async def _reply_from_page(self, request: web.Request) -> web.Response:
        service = self._service()
        if service is None:
            return _page(503, "系统启动中", "<p>系统正在启动，请稍后再试。</p>")
        token = request.match_info["token"]
        try:
            _order_id, purpose = service.open_link(token)
        except LinkExpired:
            return _page(410, "链接已过期", "<p>此链接已过期，请致电12368热线办理。</p>")
        except LinkInvalid:
            return _page(404, "链接无效", "<p>此链接无效。</p>")
        if purpose is not LinkPurpose.REPLY:
            return _page(
                403, "仅供查阅", "<p>此链接仅供查阅，答复须由承办人通过其本人的链接提交。</p>"
            )
        form = await request.post()
        text = str(form.get("reply", "")).strip()
        if not text or len(text) > MAX_TEXT:
            return _page(422, "请填写答复", "<p>答复内容不能为空（最多2000字）。</p>")
        try:
            order = await service.reply_by_link(token, text)
        except LinkExpired:
            return _page(410, "链接已过期", "<p>此链接已过期，请致电12368热线办理。</p>")
        except (LinkInvalid, WorkOrderNotFound):
            return _page(404, "链接无效", "<p>此链接无效。</p>")
        except WorkOrderError as exc:
            return _page(409, "无法提交", f"<p>{html.escape(str(exc))}</p>")
        return _page(200, "答复已提交", f"<p>工单{order.id}的答复已提交，并已短信告知当事人。</p>")


def _order_html(order: WorkOrder, *, replying: bool, zone: ZoneInfo) -> str:
    rows = [
        ("工单号", str(order.id)),
        ("类别", CATEGORY_LABELS[order.category]),
        ("紧急程度", URGENCY_LABELS[order.urgency]),
        ("状态", STATUS_LABELS[order.status]),
        ("案号", order.case_number or "—"),
        ("来电号码", order.caller_number),
        ("诉求", order.content),
        # The store gives UTC; the judge reads the deadline in the court's time, as in the SMS.
        ("办理期限", f"{order.due_at.astimezone(zone):%Y-%m-%d %H:%M}"),
    ]
    table = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(value)}</td></tr>"
        for name, value in rows
    )
    if not order.is_open:
        form = f"<p>此工单已办结。答复：{html.escape(order.reply or '')}</p>"
    elif not replying:
        form = "<p>督办通知：此链接仅供查阅，请督促承办人尽快答复。</p>"
    else:
        form = (
            '<form method="post"><label for="reply">答复内容</label>'
            '<textarea id="reply" name="reply" rows="6" maxlength="2000" required></textarea>'
            '<button type="submit">提交答复</button></form>'
        )
    return f"<table>{table}</table>{form}"


def _page(status: int, title: str, body: str) -> web.Response:
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;margin:1rem;max-width:40rem}"
        "table{border-collapse:collapse;width:100%}th{text-align:left;white-space:nowrap;"
        "padding:.3rem .6rem .3rem 0;vertical-align:top}td{padding:.3rem 0}"
        "textarea{width:100%;box-sizing:border-box;font-size:1rem}"
        "button{margin-top:.6rem;padding:.6rem 1.2rem;font-size:1rem}"
        f"</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(
        status=status,
        text=page,
        content_type="text/html",
        headers={
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline';"
            " form-action 'self'",
        },
    )
