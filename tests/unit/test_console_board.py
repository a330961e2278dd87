"""What the wallboard and the agent console show: scope, figures, alerts, masking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agents.model import NO_ANSWER_REASON, AgentStatus, Seat, SeatState
from calls.model import Call, CallState
from console.board import (
    PlatformInfo,
    QueueDay,
    QueueInfo,
    agent_view,
    board_document,
    next_board_change,
)
from ivr.model import IvrState, IvrStep
from routing.policy import WaitingEntry

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
PLATFORMS = [
    PlatformInfo("high", "北京市高级人民法院", "hq"),
    PlatformInfo("chaoyang", "北京市朝阳区人民法院", "branch"),
]
QUEUES = [QueueInfo("general", "综合咨询", 120), QueueInfo("complaint", "投诉", 300)]


def seat(seat_id: str, platform: str, **fields: object) -> Seat:
    return Seat(seat_id, platform, frozenset({"consultation"}), since=T0, **fields)  # type: ignore[arg-type]


def board(**overrides: object) -> dict[str, object]:
    arguments: dict[str, object] = {
        "now": T0,
        "scope": None,
        "platforms": PLATFORMS,
        "queues": QUEUES,
        "seats": [seat("high-01", "high"), seat("chaoyang-01", "chaoyang")],
        "waiting": [],
        "today": [],
        "overdue_work_orders": 0,
    } | overrides
    return board_document(**arguments)  # type: ignore[arg-type]


def test_a_branch_viewer_sees_only_their_courts_seats_waiting_callers_and_figures() -> None:
    document = board(
        scope="chaoyang",
        waiting=[
            WaitingEntry("c1", "general", "high", T0 - timedelta(seconds=30)),
            WaitingEntry("c2", "general", "chaoyang", T0 - timedelta(seconds=10)),
        ],
        today=[
            QueueDay("general", "high", 10, 9, 8, 1, 90.0),
            QueueDay("general", "chaoyang", 4, 2, 1, 2, 30.0),
        ],
    )
    assert [s["id"] for s in document["seats"]] == ["chaoyang-01"]  # type: ignore[index]
    assert [p["id"] for p in document["platforms"]] == ["chaoyang"]  # type: ignore[index]
    general = document["queues"][0]  # type: ignore[index]
    assert (general["waiting"], general["offered"], general["answered"]) == (1, 4, 2)
    assert (general["service_level"], general["connection_rate"]) == (0.25, 0.5)
    assert general["average_wait_s"] == 15.0
    assert general["oldest_queued_at"] == (T0 - timedelta(seconds=10)).isoformat()


def test_hq_sees_every_court_summed_per_queue_and_no_figures_without_calls() -> None:
    document = board(
        today=[
            QueueDay("general", "high", 10, 9, 8, 1, 90.0),
            QueueDay("general", "chaoyang", 4, 2, 1, 2, 30.0),
        ]
    )
    general, complaint = document["queues"]  # type: ignore[misc]
    assert (general["offered"], general["answered"], general["abandoned"]) == (14, 11, 3)
    assert general["service_level"] == round(9 / 14, 4)
    assert (complaint["service_level"], complaint["connection_rate"]) == (None, None)
    assert complaint["average_wait_s"] is None


def test_alerts_name_the_auto_paused_seat_the_late_queue_and_overdue_orders() -> None:
    paused = seat(
        "chaoyang-01", "chaoyang", status=AgentStatus.PAUSED, pause_reason=NO_ANSWER_REASON
    )
    on_break = seat("high-01", "high", status=AgentStatus.PAUSED, pause_reason="break")
    document = board(
        seats=[paused, on_break],
        waiting=[WaitingEntry("c1", "general", "high", T0 - timedelta(seconds=121))],
        overdue_work_orders=3,
    )
    kinds = [
        (a["kind"], a.get("seat") or a.get("queue") or a.get("count")) for a in document["alerts"]
    ]  # type: ignore[union-attr]
    assert kinds == [
        ("queue-over-max-wait", "general"),
        ("seat-auto-paused", "chaoyang-01"),
        ("work-orders-overdue", 3),
    ]
    quiet = board(waiting=[WaitingEntry("c1", "general", "high", T0 - timedelta(seconds=119))])
    assert quiet["alerts"] == []


def test_callbacks_kept_in_line_are_not_counted_as_waiting_callers() -> None:
    document = board(waiting=[WaitingEntry("callback-7", "general", "high", T0)])
    assert document["queues"][0]["waiting"] == 0  # type: ignore[index]


def test_the_next_board_change_is_when_a_caller_crosses_the_max_wait() -> None:
    queues = {queue.id: queue for queue in QUEUES}
    waiting = [
        WaitingEntry("c1", "complaint", "high", T0 - timedelta(seconds=100)),  # at T0+200
        WaitingEntry("c2", "general", "high", T0 - timedelta(seconds=60)),  # at T0+60
        WaitingEntry("c3", "general", "high", T0 - timedelta(seconds=500)),  # already over
    ]
    assert next_board_change(waiting, queues, T0) == T0 + timedelta(seconds=60)
    assert next_board_change([], queues, T0) is None


def talking_call(seat_id: str) -> Call:
    ivr = IvrState(
        "leave",
        IvrStep.DONE,
        0,
        visited=("main", "case_query", "leave"),
        verified_case=("chaoyang", "(2026)京0105民初100号"),
    )
    return Call(
        "c1",
        "chan-1",
        "13912345678",
        "12368",
        T0,
        home_platform="high",
        state=CallState.CONNECTED,
        ivr=ivr,
        seat_id=seat_id,
        connected_at=T0,
    )


def test_the_agents_view_masks_the_number_and_shows_the_path_and_case() -> None:
    on_call = seat("high-01", "high", state=SeatState.TALKING, call_id="c1")
    document = agent_view(on_call, talking_call("high-01"), now=T0, mask=True, long_call_s=900)
    call = document["call"]
    assert call["caller"] == "139****5678"
    assert call["ivr_path"] == ["main", "case_query", "leave"]
    assert call["case"] == {"court_id": "chaoyang", "case_number": "(2026)京0105民初100号"}
    unmasked = agent_view(on_call, talking_call("high-01"), now=T0, mask=False, long_call_s=1)
    assert unmasked["call"]["caller"] == "13912345678"
    idle = agent_view(seat("high-01", "high"), None, now=T0, mask=True, long_call_s=900)
    assert idle["call"] is None and idle["seat"]["state"] == "idle"


def test_a_supervised_seat_shows_who_is_on_its_call_and_how() -> None:
    document = board(supervised={"high-01": ("supervise-1", "whisper")})
    seats = {seat["id"]: seat for seat in document["seats"]}  # type: ignore[attr-defined]
    assert seats["high-01"]["supervision"] == {"id": "supervise-1", "mode": "whisper"}
    assert seats["chaoyang-01"]["supervision"] is None
