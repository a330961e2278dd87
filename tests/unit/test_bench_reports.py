"""The report benchmark: its synthetic month, its table and its command line."""

from __future__ import annotations

import pytest

from bench.reports import Row, main, synthetic_month, table


def test_the_synthetic_month_is_the_same_for_the_same_seed_and_spread_over_the_courts() -> None:
    month = synthetic_month(2000, courts=5)
    assert month == synthetic_month(2000, courts=5)
    assert month != synthetic_month(2000, courts=5, seed=1)
    assert len(month.calls) == 2000
    assert {call.court for call in month.calls} == {f"court{index:02d}" for index in range(5)}
    unanswered = sum(1 for call in month.calls if call.connected_at is None)
    assert len(month.callbacks) == unanswered > 0
    assert 100 < len(month.orders) < 300  # one call in ten


def test_the_table_shows_each_size_and_how_the_costs_grew() -> None:
    rows = [
        Row(10_000, 8.0, 32.0, 19.0, 1.5, 20.0, 0.8),
        Row(90_000, 80.0, 480.0, 19.0, 1.6, 21.0, 7.4),
    ]
    text = table(rows, courts=20)
    assert "20 courts" in text
    assert "  10,000       8.0      32.0          4.0x" in text
    assert "  90,000      80.0     480.0          6.0x" in text
    assert text.endswith("9x the calls: build took 15.0x as long, the totals 10.0x.")


def test_the_command_measures_the_sizes_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sizes", "300,200", "--courts", "3", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "3 courts" in out
    assert out.index("     200 ") < out.index("     300 ")


@pytest.mark.parametrize("sizes", ["ten", "50", "100,3000000", ""])
def test_sizes_outside_the_range_are_refused_naming_the_option(
    sizes: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--sizes", sizes])
    assert exit_info.value.code == 2
    assert "--sizes" in capsys.readouterr().err
