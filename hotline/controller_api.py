"""The commands that talk to a running controller over its HTTP API: status and seat changes."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


def show_status(url: str, token: str, *, as_json: bool) -> int:
    """`hotline status`: live calls, waiting callers, seats, callbacks and work orders."""
    if not url.startswith(("http://", "https://")):
        print("hotline: --url must be an http(s) URL", file=sys.stderr)
        return 2
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        f"{url.rstrip('/')}/api/status", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310
            document: dict[str, Any] = json.load(reply)
    except urllib.error.HTTPError as exc:
        print(f"hotline: the controller refused: {exc.code} {exc.reason}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"hotline: the controller does not answer at {url}: {exc}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    print(f"ARI connected: {'yes' if document['ari_connected'] else 'NO'}")
    for error in document["config_errors"]:
        print(f"config rejected: {error}")
    print(f"\nLive calls ({len(document['calls'])}):")
    for call in document["calls"]:
        print(
            f"  {call['id']}  {call['state']:<10} caller {call['caller'] or '-':<14} "
            f"seat {call['seat'] or '-'}"
        )
    today = document.get("callbacks_today") or {}
    if "open" in today:
        rate = today["callback_rate"]
        print(
            f"\nCallbacks today: {today['open']} open; abandoned {today['abandoned']}, reached "
            f"back {today['abandoned_reached']} (回拨率 {'-' if rate is None else f'{rate:.0%}'})"
        )
    orders = document.get("work_orders") or {}
    if "dispatched" in orders:
        print(
            f"\nWork orders awaiting a reply: {orders['dispatched']} ({orders['overdue']} overdue,"
            f" {orders['escalated']} escalated); replied, to close: {orders['replied']};"
            f" SMS waiting {orders['sms_pending']}, failed {orders['sms_failed']}"
        )
    print(f"\nWaiting ({len(document['waiting'])}), in the order they are served:")
    for entry in document["waiting"]:
        kind = "callback" if entry["call_id"].startswith("callback-") else "caller"
        print(
            f"  {entry['call_id']:<20} {kind:<9} queue {entry['queue']:<12} "
            f"court {entry['home_platform'] or '-':<12} since {entry['queued_at']}"
        )
    print("\nSeats:")
    for seat in document["seats"]:
        reach = "registered" if seat["registered"] else "unregistered"
        status = seat["status"] + (f" ({seat['pause_reason']})" if seat["pause_reason"] else "")
        print(
            f"  {seat['id']:<16} {seat['platform']:<12} {reach:<13} {status:<22} "
            f"{seat['state']:<8} calls {seat['calls_answered']}"
        )
    return 0


def set_seat_status(url: str, token: str, seat_id: str, action: str, reason: str | None) -> int:
    """`hotline seat`: log a seat in or out, pause or resume it, through the switch's API."""
    body = {"action": action} | ({"reason": reason} if reason else {})
    request = urllib.request.Request(  # noqa: S310 - http(s) only, built from the YAML
        f"{url.rstrip('/')}/api/seats/{urllib.parse.quote(seat_id)}/status",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310
            seat: dict[str, Any] = json.load(reply)
    except urllib.error.HTTPError as exc:
        try:
            problem = json.load(exc)
            message = f"{problem['error']}: {problem['message']}"
        except (ValueError, KeyError):
            message = str(exc)
        print(f"hotline: refused: {message}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"hotline: the controller does not answer at {url}: {exc}", file=sys.stderr)
        return 1
    reason = f" ({seat['pause_reason']})" if seat.get("pause_reason") else ""
    print(f"{seat['id']}: {seat['status']}{reason}, {seat['state']}")
    return 0
