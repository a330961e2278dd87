"""Reading CPU time from /proc: one process's stat line and the machine's aggregate line."""

from __future__ import annotations

import pytest

from bench.procfs import (
    MachineTimes,
    ProcError,
    ProcessTimes,
    parse_machine_stat,
    parse_process_stat,
)

# Real lines (shortened after field 17, which is all the parser reads past).
ASTERISK = "9689 (asterisk) S 9688 9688 9688 0 -1 4194560 6201 0 0 0 1520 433 7 3 20 0 70 0"
PYTHON = "11805 (python3) R 1 11804 6747 0 -1 4194304 25000 1200 0 0 812 95 40 11 20 0 3 0 77 0"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(ASTERISK, ProcessTimes(9689, 9688, 1520 + 433, 7 + 3), id="asterisk"),
        pytest.param(PYTHON, ProcessTimes(11805, 1, 812 + 95, 40 + 11), id="python"),
        pytest.param(
            "42 (we (are) odd) S 7 42 42 0 -1 0 0 0 0 0 5 6 1 2 20 0 1 0",
            ProcessTimes(42, 7, 11, 3),
            id="command-name-with-spaces-and-parentheses",
        ),
        pytest.param(
            "43 () S 7 43 43 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0",
            ProcessTimes(43, 7, 2, 0),
            id="empty-command-name",
        ),
    ],
)
def test_process_stat_line(line: str, expected: ProcessTimes) -> None:
    assert parse_process_stat(line + "\n") == expected


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("", id="empty"),
        pytest.param("garbage without parentheses", id="no-command-name"),
        pytest.param("7 (short) S 1 2 3", id="too-few-fields"),
    ],
)
def test_process_stat_line_that_is_not_one_is_refused(line: str) -> None:
    with pytest.raises(ProcError):
        parse_process_stat(line)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\nintr 1 2\n",
            MachineTimes(busy=100 + 5 + 50 + 3 + 2 + 1, total=161 + 1000 + 20),
            id="aggregate-line-not-per-core",
        ),
        pytest.param(
            "cpu  10 0 10 80\n",
            MachineTimes(busy=20, total=100),
            id="old-kernel-with-four-fields",
        ),
    ],
)
def test_machine_stat(text: str, expected: MachineTimes) -> None:
    assert parse_machine_stat(text) == expected


def test_machine_stat_without_cpu_line_is_refused() -> None:
    with pytest.raises(ProcError, match="cpu"):
        parse_machine_stat("cpu0 1 2 3 4\nintr 5\n")
