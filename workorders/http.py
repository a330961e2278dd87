"""Work orders on the web: the JSON API for agents, and the judge's reply page from the SMS link."""

from __future__ import annotations

import enum
import html
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from console.model import AuditAction, Permission, Principal
from console.sessions import SessionGuard
from hotline.api import error, json_object
from hotline.logs import mask_phone
from workorders import policy
from workorders.errors import BadTransition, LinkExpired, LinkInvalid, WorkOrderError
from workorders.links import LinkPurpose
from workorders.model import (
    CATEGORY_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    Category,
    Status,
    Urgency,
    WorkOrder,
)
from workorders.service import LinkView, NewWorkOrder, WorkOrderNotFound, WorkOrderService

MAX_TEXT = 2000

# The HTTP status of each work-order refusal (the console's call work order uses it too).
ERROR_STATUS = {
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


# Why the page cannot take what was sent, in the judge's words, by the order's status.
_REFUSED_IN: dict[str, str] = {
    Status.CLOSED: "此工单已办结，不能再提交。",
    Status.REPLIED: "此工单已答复，不能再次答复。",
}


class PageAction(enum.StrEnum):
    """What a form on the reply page asks for (its hidden `action` field)."""

    REPLY = "reply"
    PHONED_CALLER = "phoned_caller"


def text_field(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    """A text field of a request body, stripped; ValueError naming the field when it is wrong."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise ValueError(f"{name}: must be a non-empty string of at most {MAX_TEXT} characters")
    return value.strip()


def category_and_urgency(body: dict[str, Any]) -> tuple[Category, Urgency] | web.Response:
    """A new order's category and urgency (normal unless said), or the refusal naming the field."""
    try:
        category = Category(str(body.get("category")))
    except ValueError:
        choices = ", ".join(c.value for c in Category)
        return error(422, "bad-field", f"category: must be one of {choices}")
    try:
        urgency = Urgency(str(body.get("urgency", "normal")))
    except ValueError:
        return error(422, "bad-field", "urgency: must be normal or urgent")
    return category, urgency


class WorkOrderApi:
    """The JSON API. Who may do what comes from the console's session layer: signed-in users by
    role and court (HQ's users every court), or the API token. `by` is the signed-in user; only
    the token (a court's own system) names it in the body. Callers' numbers are masked for users
    unless they may see personal data and ask with `?personal=1`, which is audited."""

    def __init__(
        self,
        service: Callable[[], WorkOrderService | None],
        guard: SessionGuard,
    ) -> None:
        self._service = service
        self._guard = guard

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/work-orders", self._create)
        app.router.add_get("/api/work-orders/{order_id}", self._get)
        app.router.add_post("/api/work-orders/{order_id}/{action}", self._act)
        app.router.add_get("/w/{token}", self._reply_page)
        app.router.add_post("/w/{token}", self._reply_from_page)

    # ---- the API -------------------------------------------------------------------------
    def _by(self, principal: Principal, body: dict[str, Any]) -> str:
        if principal.user is not None:
            return principal.name
        return text_field(body, "by") or ""

    async def _personal(
        self, request: web.Request, principal: Principal, order_id: int
    ) -> bool | web.Response:
        """Numbers in full: always for the API token; for a user only on `?personal=1` with the
        right to see personal data, and that view is audited."""
        if principal.user is None:
            return True
        if request.query.get("personal") != "1":
            return False
        if not self._guard.allows(principal, Permission.PERSONAL_DATA, None):
            return error(403, "forbidden", "not allowed: personal-data")
        await self._guard.audit(
            principal, AuditAction.PERSONAL_DATA_VIEWED, f"work-order:{order_id}", request=request
        )
        return True

    async def _create(self, request: web.Request) -> web.Response:
        principal = await self._guard(request, Permission.WORK_ORDERS_EDIT)
        if isinstance(principal, web.Response):
            return principal
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        service = self._service()
        if service is None:
            return error(503, "not-ready", "the switch is starting")
        kind = category_and_urgency(body)
        if isinstance(kind, web.Response):
            return kind
        try:
            new = NewWorkOrder(
                court_id=text_field(body, "court_id") or "",
                case_number=text_field(body, "case_number", required=False),
                category=kind[0],
                urgency=kind[1],
                caller_number=text_field(body, "caller_number") or "",
                content=text_field(body, "content") or "",
                by=self._by(principal, body),
                complained_judge_id=text_field(body, "complained_judge_id", required=False),
                call_id=text_field(body, "call_id", required=False),
            )
        except ValueError as exc:
            return error(422, "bad-field", str(exc))
        if not self._guard.allows(principal, Permission.WORK_ORDERS_EDIT, new.court_id):
            return error(403, "forbidden", f"court_id: {new.court_id} is not your court")
        try:
            created = await service.create(new)
        except WorkOrderError as exc:
            return error(ERROR_STATUS.get(exc.code, 409), exc.code, str(exc))
        document = order_document(created.order, personal_data=principal.user is None)
        document["follow_up"] = created.follow_up
        return web.json_response(document, status=200 if created.follow_up else 201)

    async def _order_of(
        self, request: web.Request, permission: Permission
    ) -> tuple[Principal, WorkOrderService, WorkOrder, int] | web.Response:
        """The order named in the path, if this principal may act on its court's orders; an
        order of another court is "not found", as an unknown one."""
        principal = await self._guard(request, permission)
        if isinstance(principal, web.Response):
            return principal
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
        if not self._guard.allows(principal, permission, order.court_id):
            return error(404, "work-order-not-found", f"no work order {order_id}")
        return principal, service, order, order_id

    async def _get(self, request: web.Request) -> web.Response:
        found = await self._order_of(request, Permission.WORK_ORDERS_VIEW)
        if isinstance(found, web.Response):
            return found
        principal, service, order, order_id = found
        personal = await self._personal(request, principal, order_id)
        if isinstance(personal, web.Response):
            return personal
        document = order_document(order, personal_data=personal)
        document["events"] = [
            {"at": e.at.isoformat(), "kind": e.kind.value, "actor": e.actor, "detail": e.detail}
            for e in await service.history(order_id)
        ]
        return web.json_response(document)

    async def _act(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        if action not in ("reply", "close", "reopen"):
            return error(404, "bad-action", "action: must be reply, close or reopen")
        found = await self._order_of(request, Permission.WORK_ORDERS_EDIT)
        if isinstance(found, web.Response):
            return found
        principal, service, order, order_id = found
        body = await json_object(request)
        if isinstance(body, web.Response):
            return body
        try:
            by = self._by(principal, body)
            if action == "reply":
                order = await service.reply(order_id, text_field(body, "text") or "", by)
            elif action == "close":
                order = await service.close(order_id, by)
            else:
                order = await service.reopen(order_id, text_field(body, "reason") or "", by)
        except WorkOrderError as exc:
            # Before ValueError: some refusals (an empty reply, an invalid order) are both.
            return error(ERROR_STATUS.get(exc.code, 409), exc.code, str(exc))
        except ValueError as exc:
            return error(422, "bad-field", str(exc))
        return web.json_response(order_document(order, personal_data=principal.user is None))

    @staticmethod
    def _order_id(request: web.Request) -> int | None:
        raw = request.match_info["order_id"]
        # ASCII only: str.isdigit() also accepts digits such as "²" that int() refuses.
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None

    # ---- the judge's reply page ------------------------------------------------------------
    async def _reply_page(self, request: web.Request) -> web.Response:
        service = self._service()
        if service is None:
            return _starting_page()
        try:
            view = await service.view_by_link(request.match_info["token"])
        except LinkExpired:
            return _expired_page()
        except (LinkInvalid, WorkOrderNotFound):
            return _invalid_page()
        return _page(200, f"工单{view.order.id}", _order_html(view, zone=service.zone))

    async def _reply_from_page(self, request: web.Request) -> web.Response:
        service = self._service()
        if service is None:
            return _starting_page()
        token = request.match_info["token"]
        try:
            _order_id, purpose = service.open_link(token)
        except LinkExpired:
            return _expired_page()
        except LinkInvalid:
            return _invalid_page()
        if purpose is not LinkPurpose.REPLY:
            return _page(
                403,
                "仅供查阅",
                _card("<p>此链接仅供查阅，答复须由承办人通过其本人的链接提交。</p>"),
            )
        form = await request.post()
        # A form without an action is the reply form of a page served before there were two.
        action = str(form.get("action", PageAction.REPLY))
        try:
            if action == PageAction.PHONED_CALLER:
                await service.phoned_caller_by_link(token)
                # Post/Redirect/Get: reloading the page shows the note, it records nothing.
                return _see_page(token)
            if action != PageAction.REPLY:
                return _page(
                    422, "无法识别的操作", _card("<p>请返回工单页面重新操作。</p>", back=token)
                )
            text = str(form.get("reply", "")).strip()
            if not text or len(text) > MAX_TEXT:
                return _page(
                    422, "请填写答复", _card("<p>答复内容不能为空（最多2000字）。</p>", back=token)
                )
            order = await service.reply_by_link(token, text)
        except LinkExpired:
            return _expired_page()
        except (LinkInvalid, WorkOrderNotFound):
            return _invalid_page()
        except BadTransition as exc:
            why = _REFUSED_IN.get(exc.status, str(exc))
            return _page(409, "无法提交", _card(f"<p>{html.escape(why)}</p>", back=token))
        except WorkOrderError as exc:
            return _page(409, "无法提交", _card(f"<p>{html.escape(str(exc))}</p>", back=token))
        assert order.id is not None
        phoned = policy.phoned_caller_at(await service.history(order.id))
        return _page(
            200, "答复已提交", _confirmation_html(order, phoned, service.now(), service.zone)
        )


def _order_html(view: LinkView, *, zone: ZoneInfo) -> str:
    order = view.order
    # The store gives UTC; the judge reads times in the court's time, as in the SMS.
    due = f"{order.due_at.astimezone(zone):%Y-%m-%d %H:%M}"
    badges = [("status", STATUS_LABELS[order.status]), ("", CATEGORY_LABELS[order.category])]
    if order.urgency is Urgency.URGENT:
        badges.insert(0, ("urgent", URGENCY_LABELS[order.urgency]))
    facts = [
        ("案号", order.case_number or "—"),
        ("来电号码", order.caller_number),
        ("办理期限", due),
        ("紧急程度", URGENCY_LABELS[order.urgency]),
    ]
    parts = [
        '<p class="badges">'
        + "".join(
            f'<span class="{f"badge {kind}".strip()}">{html.escape(text)}</span>'
            for kind, text in badges
        )
        + "</p>",
        _card(
            f'<h2>当事人诉求</h2><p class="request-text">{html.escape(order.content)}</p>',
            "request",
        ),
        _card(
            "<dl>"
            + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts)
            + "</dl>"
        ),
    ]
    phoned = _phoned_html(view.phoned_caller_at, view.now, zone)
    replying = view.purpose is LinkPurpose.REPLY
    if not order.is_open:
        parts.append(
            _card(f"{phoned}<p>此工单已办结。答复：{html.escape(order.reply or '')}</p>", "closed")
        )
    elif not replying:
        parts.append(_card(f"{phoned}<p>督办通知：此链接仅供查阅，请督促承办人尽快答复。</p>"))
    else:
        number = html.escape(order.caller_number)
        parts.append(
            _card(
                f'<a class="button call" href="tel:{number}">拨打当事人电话 {number}</a>'
                f"{phoned}"
                '<form method="post">'
                f'<input type="hidden" name="action" value="{PageAction.PHONED_CALLER}">'
                '<button type="submit" class="button secondary">我已电话联系当事人</button>'
                "</form>",
                "phone",
            )
        )
        if order.status is Status.DISPATCHED:
            parts.append(
                _card(
                    '<form method="post">'
                    f'<input type="hidden" name="action" value="{PageAction.REPLY}">'
                    '<label for="reply" class="heading">答复当事人</label>'
                    '<p class="hint">答复将以短信发给当事人，提交后工单即办结。</p>'
                    '<textarea id="reply" name="reply" rows="6" maxlength="2000" required'
                    ' placeholder="例如：已与当事人电话沟通，开庭时间为……"></textarea>'
                    '<button type="submit" class="button primary">提交答复</button></form>',
                    "reply",
                )
            )
        else:
            parts.append(_card(f"<p>已答复：{html.escape(order.reply or '')}</p>"))
    return "".join(parts)


def _confirmation_html(
    order: WorkOrder, phoned: datetime | None, now: datetime, zone: ZoneInfo
) -> str:
    note = _phoned_html(phoned, now, zone)
    return (
        _card(
            f'<p class="done">工单{order.id}的答复已提交，并已短信告知当事人。</p>'
            + ('<p class="hint">工单已办结，此链接不再接受提交。</p>' if not order.is_open else ""),
            "confirmation",
        )
        + _card(f'<h2>答复内容</h2><p class="reply-text">{html.escape(order.reply or "")}</p>')
        + _card(
            f'<h2>当事人诉求</h2><p class="request-text">{html.escape(order.content)}</p>{note}',
            "request",
        )
    )


def _phoned_html(phoned_at: datetime | None, now: datetime, zone: ZoneInfo) -> str:
    if phoned_at is None:
        return ""
    # In the court's time, as the deadline is shown; the date only when it was not today.
    local = phoned_at.astimezone(zone)
    day = "" if local.date() == now.astimezone(zone).date() else f"{local:%m-%d} "
    return f'<p class="note">已于 {day}{local:%H:%M} 电话联系当事人</p>'


def _card(body: str, kind: str = "", *, back: str | None = None) -> str:
    """A white box of the page; `back`, a link's token, adds a button back to its page."""
    if back is not None:
        # Relative, as the redirect after "phoned": the token is the last part of the path.
        body += f'<a class="button secondary" href="{html.escape(back)}">返回工单</a>'
    return f'<section class="{f"card {kind}".strip()}">{body}</section>'


# Phone first: one column, 17 px text, tap targets of 48 px and more, long numbers and case
# numbers wrapped rather than scrolled sideways. No script: plain forms work on every phone.
_STYLE = (
    "*{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%}"
    "body{margin:0;background:#f2f4f7;color:#1d2129;font-size:17px;line-height:1.6;"
    'font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",'
    '"WenQuanYi Micro Hei",sans-serif}'
    "main{max-width:40rem;margin:0 auto;padding:12px 14px 32px}"
    "h1{font-size:1.35rem;margin:8px 2px}"
    "p{margin:0 0 8px;overflow-wrap:anywhere}"
    ".card>:last-child{margin-bottom:0}"
    ".badges{margin:0 2px 10px}"
    ".badge{display:inline-block;padding:2px 10px;margin:0 6px 4px 0;border-radius:999px;"
    "background:#e5e8ef;font-size:.85rem}"
    ".badge.status{background:#e8f0ff;color:#1d4ed8}"
    ".badge.urgent{background:#fdecec;color:#c0262d;font-weight:600}"
    ".card{background:#fff;border-radius:12px;padding:14px 16px;margin:0 0 12px;"
    "box-shadow:0 1px 2px rgba(0,0,0,.06)}"
    ".request-text{font-size:1.2rem;line-height:1.7;white-space:pre-wrap;margin:0}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:6px 14px;margin:0}"
    "dt{color:#6b7785;white-space:nowrap}dd{margin:0;overflow-wrap:anywhere}"
    ".button{display:block;width:100%;min-height:52px;padding:12px 16px;margin:10px 0 0;"
    "border-radius:10px;border:2px solid transparent;font:inherit;font-size:1.05rem;"
    "font-weight:600;text-align:center;text-decoration:none;cursor:pointer}"
    ".call{background:#0f7b3f;color:#fff;margin-top:0}"
    ".secondary{background:#fff;color:#1d4ed8;border-color:#1d4ed8}"
    ".primary{background:#1d4ed8;color:#fff}"
    ".note{margin:12px 0 0;padding:8px 12px;border-radius:8px;background:#e9f7ef;"
    "color:#0f7b3f;font-weight:600}"
    ".hint{color:#6b7785;font-size:.9rem}"
    "h2,.heading{display:block;font-size:1rem;color:#4e5969;margin:0 0 6px;font-weight:600}"
    "textarea{display:block;width:100%;min-height:9rem;padding:10px 12px;font:inherit;"
    "border:1px solid #c9cdd4;border-radius:8px;resize:vertical}"
    ".done{font-weight:600;color:#0f7b3f;font-size:1.1rem}"
    ".done::before{content:'✓';display:inline-block;width:1.6em;height:1.6em;margin-right:8px;"
    "border-radius:50%;background:#0f7b3f;color:#fff;text-align:center;line-height:1.6em}"
    ".reply-text{white-space:pre-wrap;color:#4e5969}"
)
_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline';"
    " form-action 'self'; frame-ancestors 'none'",
}


def _page(status: int, title: str, body: str) -> web.Response:
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="format-detection" content="telephone=no">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return web.Response(
        status=status, text=page, content_type="text/html", headers=_SECURITY_HEADERS
    )


def _see_page(token: str) -> web.Response:
    # Relative, so the page is found again behind a proxy that serves /w/ under a prefix.
    return web.Response(status=303, headers={**_SECURITY_HEADERS, "Location": token})


def _starting_page() -> web.Response:
    return _page(503, "系统启动中", _card("<p>系统正在启动，请稍后再试。</p>"))


def _expired_page() -> web.Response:
    return _page(410, "链接已过期", _card("<p>此链接已过期，请致电12368热线办理。</p>"))


def _invalid_page() -> web.Response:
    return _page(404, "链接无效", _card("<p>此链接无效。</p>"))
