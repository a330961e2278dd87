"""What the benchmark hands SIPp and Asterisk: seat credentials, command lines, the baselines."""

from __future__ import annotations

import json

import pytest

from bench.peers import CallShape, caller_command, seats_command, seats_csv
from bench.stack import BenchError, baseline_dialplan, queues_conf
from bench.systems import last_error


def test_seats_csv_carries_the_whole_authentication_keyword() -> None:
    assert seats_csv([("bench-001", "s3cret-A_b"), ("bench-002", "x")]) == (
        "SEQUENTIAL\n"
        "bench-001;[authentication username=bench-001 password=s3cret-A_b]\n"
        "bench-002;[authentication username=bench-002 password=x]\n"
    )


@pytest.mark.parametrize(("seat", "password"), [("a;b", "x"), ("a", "x;y"), ("a", "x]y")])
def test_seats_csv_refuses_what_sipp_would_split(seat: str, password: str) -> None:
    with pytest.raises(BenchError, match="SIPp cannot take"):
        seats_csv([(seat, password)])


def option(command: list[str], name: str) -> list[str]:
    index = command.index(name)
    return command[index + 1 : index + 3]


def test_caller_command_places_the_calls_at_the_rate_with_a_time_bound() -> None:
    command = caller_command(
        "127.0.0.1:5260", "12368", "127.0.0.50", "139004", 50, 1000, CallShape("1", 500, 2000)
    )
    assert command[:2] == ["sipp", "127.0.0.1:5260"]
    assert option(command, "-r") == ["50", "-rp"]
    assert option(command, "-m") == ["1000", "-recv_timeout"]
    assert option(command, "-timeout")[0] == "80s"
    assert option(command, "-i")[0] == "127.0.0.50"
    keys = {command[i + 1]: command[i + 2] for i, part in enumerate(command) if part == "-key"}
    assert keys == {"prefix": "139004", "digit": "1", "digit_at_ms": "500", "talk_ms": "2000"}


def test_seats_command_registers_every_seat_and_stops_by_itself() -> None:
    command = seats_command("127.0.0.1:5260", "127.0.0.51", 200, 900)
    assert option(command, "-m")[0] == "200"
    assert option(command, "-timeout")[0] == "960s"
    keys = {command[i + 1]: command[i + 2] for i, part in enumerate(command) if part == "-key"}
    assert keys == {"refresh_ms": "120000", "stop_ms": "900000"}


def test_queue_baseline_lists_every_seat_and_fills_all_free_members() -> None:
    text = queues_conf(["bench-001", "bench-002"])
    assert "autofill = yes" in text
    assert "wrapuptime = 0" in text
    assert text.count("member => PJSIP/") == 2


def test_baseline_dialplan_routes_both_numbers_and_marks_each_member_dialled() -> None:
    text = baseline_dialplan("/srv/hotline/bench/prompts")
    assert "exten => 12301,1,Goto(bench-queue,s,1)" in text
    assert "exten => 12302,1,Goto(bench-minimal,s,1)" in text
    assert "Background(/srv/hotline/bench/prompts/bench_greeting)" in text
    assert "b(bench-dialled^s^1(${CALLERID(num)},${BENCH_ARRIVED},${BENCH_QUEUED}))" in text
    assert ',60,,"bench-seated,${CALLERID(num)}")' in text
    # The arrival is stamped before Answer(), which waits for the caller's first media frame.
    assert text.index("BENCH_ARRIVED=") < text.index("Answer()")


def log_line(**entry: object) -> str:
    return json.dumps(entry)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            [
                log_line(event="starting", level="info"),
                log_line(
                    event="ari.events.hook_failed",
                    level="error",
                    exception="Traceback (most recent call last):\n  File x\n"
                    "ari.errors.AriUnprocessable: POST /applications/hotline/subscription -> 400",
                ),
                log_line(event="ari.events.disconnected", level="warning"),
            ],
            "ari.events.hook_failed: ari.errors.AriUnprocessable: "
            "POST /applications/hotline/subscription -> 400",
            id="last-error-with-its-traceback-line",
        ),
        pytest.param(
            [log_line(event="ARI command failed", level="error", error="409")],
            "ARI command failed: 409",
            id="error-field",
        ),
        pytest.param(["not json", log_line(event="fine", level="info")], None, id="no-error"),
    ],
)
def test_last_error_of_the_controller_log(lines: list[str], expected: str | None) -> None:
    assert last_error(lines) == expected
