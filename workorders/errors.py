"""Errors of the work orders, each with a stable code for logs, the API and the pages."""

from __future__ import annotations


class WorkOrderError(Exception):
    code: str = "work-order-error"


class InvalidWorkOrder(WorkOrderError, ValueError):
    """Data that cannot make a work order or an action on one (empty content, naive times...)."""

    code = "work-order-invalid"


class WorkOrderNotStored(WorkOrderError, ValueError):
    """An action on an order without an id: notifications are keyed by it, so store it first."""

    code = "work-order-not-stored"


class BadTransition(WorkOrderError):
    """The action is not allowed in the order's status (replying to a closed order...)."""

    code = "work-order-bad-transition"

    def __init__(self, message: str, *, status: str, action: str) -> None:
        super().__init__(message)
        self.status = status
        self.action = action


class EscalationNotHigher(BadTransition):
    """An escalation to a level the order has already reached: it was sent once already."""

    code = "work-order-escalation-not-higher"


class EmptyReply(WorkOrderError, ValueError):
    """A reply with no text: the caller would get an SMS saying nothing."""

    code = "work-order-empty-reply"


class NoEligibleHandler(WorkOrderError, LookupError):
    """Nobody in the directory may handle the order (or nobody can be sent an SMS)."""

    code = "work-order-no-eligible-handler"


class LinkError(WorkOrderError):
    code = "work-order-link-error"


class LinkInvalid(LinkError, ValueError):
    """Malformed, tampered with, signed with another secret or for another purpose."""

    code = "work-order-link-invalid"


class LinkExpired(LinkError):
    """A genuine link whose time is up: the page can offer to send a fresh one."""

    code = "work-order-link-expired"


class LinkSecretTooShort(LinkError, ValueError):
    code = "work-order-link-secret-too-short"
