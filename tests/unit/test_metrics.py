"""The operators' metrics in Prometheus' text format: every family, zeros included."""

from __future__ import annotations

from agents.model import AgentStatus, SeatState
from calls.model import CallState
from hotline.metrics import LAG_WINDOW, LoopLag, Snapshot, call_counts, counts, render, seat_counts


def snapshot(**changes: object) -> Snapshot:
    states, statuses = seat_counts(
        [SeatState.TALKING, SeatState.TALKING, SeatState.IDLE],
        [AgentStatus.AVAILABLE, AgentStatus.AVAILABLE, AgentStatus.PAUSED],
    )
    values: dict[str, object] = {
        "calls_by_state": call_counts([CallState.CONNECTED, CallState.CONNECTED, CallState.QUEUED]),
        "waiting_by_queue": counts(["general"], ["general", "complaint"]),
        "seats_by_state": states,
        "seats_by_status": statuses,
        "ari_connected": True,
        "loop_lag_s": 0.0123,
        "loop_lag_max_s": 0.25,
        "sms_pending": 4,
        "sms_failed": 1,
        "work_orders_overdue": 2,
        "supervisions": 1,
    }
    return Snapshot(**(values | changes))  # type: ignore[arg-type]


def samples(text: str) -> dict[str, str]:
    pairs = (line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
    return dict(pairs)


def test_every_sample_is_there_with_zeros_for_the_states_nobody_is_in() -> None:
    found = samples(render(snapshot()))
    assert found['hotline_calls_in_progress{state="connected"}'] == "2"
    assert found['hotline_calls_in_progress{state="queued"}'] == "1"
    assert found['hotline_calls_in_progress{state="survey"}'] == "0"
    assert 'hotline_calls_in_progress{state="ended"}' not in found
    assert found['hotline_callers_waiting{queue="complaint"}'] == "0"
    assert found['hotline_callers_waiting{queue="general"}'] == "1"
    assert found['hotline_seats{state="talking"}'] == "2"
    assert found['hotline_seats{state="wrap_up"}'] == "0"
    assert found['hotline_seats_by_status{status="paused"}'] == "1"
    assert found["hotline_ari_connected"] == "1"
    assert found["hotline_event_loop_lag_seconds"] == "0.012300"
    assert found["hotline_event_loop_lag_max_seconds"] == "0.250000"
    assert found["hotline_sms_outbox_backlog"] == "4"
    assert found["hotline_sms_failed"] == "1"
    assert found["hotline_work_orders_overdue"] == "2"
    assert found["hotline_supervisions_active"] == "1"


def test_each_family_has_help_and_type_before_its_samples() -> None:
    lines = render(snapshot()).splitlines()
    names = {line.split()[2] for line in lines if line.startswith("# TYPE")}
    for name in names:
        help_at = lines.index(next(line for line in lines if line.startswith(f"# HELP {name} ")))
        assert lines[help_at + 1] == f"# TYPE {name} gauge"
    assert len(names) == 11


def test_a_silent_database_leaves_a_gap_not_a_zero() -> None:
    found = samples(render(snapshot(sms_pending=None, sms_failed=None, work_orders_overdue=None)))
    assert "hotline_sms_failed" not in found and "hotline_work_orders_overdue" not in found
    assert "# TYPE hotline_sms_failed gauge" in render(snapshot(sms_failed=None))


def test_label_values_are_escaped() -> None:
    text = render(snapshot(waiting_by_queue={'odd"queue\\': 1}))
    assert 'hotline_callers_waiting{queue="odd\\"queue\\\\"} 1' in text


def test_loop_lag_keeps_the_last_and_the_worst_of_the_last_minute() -> None:
    lag = LoopLag()
    lag.record(0.3)
    lag.record(-0.001)  # woke up a hair early: no lag
    assert (lag.last_s, lag.max_s) == (0.0, 0.3)
    for _ in range(LAG_WINDOW):
        lag.record(0.01)
    assert lag.max_s == 0.01, "the old worst has left the window"
