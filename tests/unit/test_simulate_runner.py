"""From the YAML and the options to runs: variants, callers, input files and their errors."""

from __future__ import annotations

import random
import statistics
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.loader import load_config
from config.schema import HotlineConfig, Queue
from routing.policy import ALL, HOME, Strategy, Tier
from simulate.arrivals import (
    HandleTime,
    Opening,
    Patience,
    RateTable,
    expected_calls,
    hour_segments,
    poisson_arrivals,
    read_rates,
)
from simulate.errors import InputFileError, SimulationError
from simulate.report import compare, rows, single
from simulate.runner import (
    Options,
    Pooling,
    Variant,
    home_resolver,
    parse_weights,
    plan,
    run,
    setup_for,
)
from tests.conftest import REPO, TEST_CONFIG

EXAMPLE = REPO / "config" / "examples" / "beijing.yaml"
RATES = REPO / "config" / "examples" / "beijing-rates.csv"
RECORDED = REPO / "config" / "examples" / "beijing-arrivals.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def beijing() -> HotlineConfig:
    return load_config(EXAMPLE)


@pytest.fixture(scope="module")
def small() -> HotlineConfig:
    return load_config(TEST_CONFIG)


# ---- variants -----------------------------------------------------------------------------------
def test_each_strategy_and_pooling_combination_is_one_variant(beijing: HotlineConfig) -> None:
    the_plan = plan(
        beijing,
        Options(
            days=1,
            strategies=(Strategy.LEAST_BUSY, Strategy.LONGEST_IDLE),
            poolings=(Pooling.TIERS, Pooling.NONE),
        ),
    )

    assert [variant.label for variant, _ in the_plan.variants] == [
        "least_busy/tiers",
        "least_busy/none",
        "longest_idle/tiers",
        "longest_idle/none",
    ]


def test_variant_setup_is_the_yaml_with_only_strategy_or_tiers_replaced(
    beijing: HotlineConfig,
) -> None:
    configured = setup_for(beijing, Variant(None, Pooling.TIERS), 20)
    none = setup_for(beijing, Variant(Strategy.ROUND_ROBIN, Pooling.NONE), 20)
    pooled = setup_for(beijing, Variant(None, Pooling.ALL), 20)

    consultation = beijing.queue("consultation")
    queue = configured.queues["consultation"]
    assert queue.routing.strategy is consultation.strategy
    assert [tier.after_s for tier in queue.routing.tiers] == [t.after_s for t in consultation.tiers]
    assert (queue.wrap_up_s, queue.max_wait_s, queue.priority) == (
        consultation.wrap_up_s,
        consultation.max_wait_s,
        consultation.priority,
    )
    assert {q.routing.tiers for q in none.queues.values()} == {(Tier(0, frozenset({HOME})),)}
    assert {q.routing.strategy for q in none.queues.values()} == {Strategy.ROUND_ROBIN}
    assert {q.routing.tiers for q in pooled.queues.values()} == {(Tier(0, frozenset({ALL})),)}
    assert [seat.seat_id for seat in configured.seats] == [seat.id for seat in beijing.seats]
    assert [seat.order for seat in configured.seats] == list(range(len(beijing.seats)))


def test_every_variant_meets_the_same_callers_and_a_seed_repeats_a_run(
    small: HotlineConfig,
) -> None:
    options = Options(days=2, calls_per_hour=30, poolings=(Pooling.TIERS, Pooling.NONE))
    first = run(plan(small, options))
    again = run(plan(small, options))
    other_seed = run(plan(small, Options(days=2, calls_per_hour=30, seed=2)))

    offered = [{c: t.offered for c, t in tally.courts.items()} for _, tally in first]
    assert offered[0] == offered[1], "pooling changes the routing, never the callers"
    assert [tally for _, tally in first] == [tally for _, tally in again]
    assert other_seed[0][1].courts != first[0][1].courts


def test_too_many_calls_are_refused_before_running(beijing: HotlineConfig) -> None:
    with pytest.raises(
        SimulationError, match=r"^--max-calls: about 1,800,000 calls per run, more than 1,000,000"
    ):
        plan(beijing, Options(days=200, calls_per_hour=1000, max_calls=1_000_000))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (Options(days=0), "--days: must be >= 1"),
        (Options(handle_s=0), "--handle-s: must be > 0"),
        (Options(patience_s=float("nan")), "--patience-s: must be > 0"),
        (Options(handle_cv=0.5), "--handle-cv: only applies with --handle-dist lognormal"),
        (Options(handle_distribution="gamma"), "--handle-dist: must be one of"),
        (Options(rates_file=RATES, calls_per_hour=10), "--calls-per-hour: cannot be combined"),
        (Options(recorded_file=RECORDED, days=3), "--days: cannot be combined with --arrivals"),
        (Options(queue_mix={"nowhere": 1.0}), "--queue-mix: unknown queue 'nowhere'"),
    ],
)
def test_bad_options_are_refused_naming_the_option(
    beijing: HotlineConfig, options: Options, message: str
) -> None:
    with pytest.raises(SimulationError) as raised:
        plan(beijing, options)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["chaoyang"], "--share: expected NAME=WEIGHT, not 'chaoyang'"),
        (["atlantis=2"], "--share: unknown name 'atlantis' (known: high, chaoyang, haidian)"),
        (["chaoyang=2", "chaoyang=3"], "--share: chaoyang is given twice"),
        (["chaoyang=-1"], "--share: chaoyang: the weight must be a number >= 0, not '-1'"),
        (["chaoyang=many"], "--share: chaoyang: the weight must be a number >= 0"),
        (["chaoyang=0"], "--share: at least one weight must be above 0"),
    ],
)
def test_bad_weights_are_refused_naming_the_option(values: list[str], message: str) -> None:
    with pytest.raises(SimulationError) as raised:
        parse_weights("--share", values, ["high", "chaoyang", "haidian"])
    assert str(raised.value).startswith(message)


def test_weights_not_given_are_none_and_given_ones_are_read() -> None:
    assert parse_weights("--share", [], ["high"]) is None
    assert parse_weights("--share", ["high=3", " haidian = 1.5"], ["high", "haidian"]) == {
        "high": 3.0,
        "haidian": 1.5,
    }


# ---- generated callers --------------------------------------------------------------------------
def test_an_opening_is_cut_at_each_clock_hour() -> None:
    opening = Opening(datetime(2025, 3, 3, 8, 30, tzinfo=SHANGHAI), 9 * 3600)

    segments = list(hour_segments(opening))

    assert segments[0] == (0.0, 1800.0, 8)
    assert segments[1] == (1800.0, 5400.0, 9)
    assert segments[-1] == (30600.0, 32400.0, 17)
    assert len(segments) == 10


def test_an_hour_of_its_own_overrides_a_courts_every_hour_rate() -> None:
    rates = RateTable({"high": {None: 10.0, 9: 40.0}, "haidian": {12: 5.0}})

    assert rates.for_hour(9) == [("high", 40.0)]
    assert rates.for_hour(12) == [("high", 10.0), ("haidian", 5.0)]
    assert rates.total(3) == 10.0


def test_poisson_callers_come_at_the_rate_and_only_in_the_hours_given() -> None:
    opening = Opening(datetime(2025, 3, 3, 8, 30, tzinfo=SHANGHAI), 9 * 3600)
    rates = RateTable({"haidian": {9: 400.0}, "high": {None: 100.0}})

    arrivals = list(
        poisson_arrivals(
            random.Random(3),
            rates,
            {"general": 3.0, "complaint": 1.0},
            opening,
            HandleTime(300),
            Patience(None),
        )
    )

    haidian = [a for a in arrivals if a.home_platform == "haidian"]
    assert all(1800 <= a.at_s < 5400 for a in haidian), "haidian only calls 09:00–10:00"
    assert len(haidian) == pytest.approx(400, rel=0.15)
    assert len(arrivals) == pytest.approx(expected_calls(rates, opening), rel=0.1)
    assert expected_calls(rates, opening) == pytest.approx(400 + 900)
    complaint_share = sum(a.queue_id == "complaint" for a in arrivals) / len(arrivals)
    assert complaint_share == pytest.approx(0.25, abs=0.04)
    assert all(a.patience_s is None for a in arrivals)
    assert [a.at_s for a in arrivals] == sorted(a.at_s for a in arrivals)


def test_lognormal_handle_times_have_the_mean_and_spread_asked_for() -> None:
    rng = random.Random(5)
    handle = HandleTime(300, "lognormal", 0.5)

    draws = [handle.draw(rng) for _ in range(40_000)]

    assert statistics.fmean(draws) == pytest.approx(300, rel=0.02)
    assert statistics.stdev(draws) / statistics.fmean(draws) == pytest.approx(0.5, rel=0.05)


def test_default_rate_is_an_equal_share_at_85_percent_of_the_seats(
    beijing: HotlineConfig,
) -> None:
    the_plan = plan(beijing, Options(days=1))

    # 48 seats, 300 s talk + 15 s wrap-up: 548.6 calls/h at full load, 85% of it.
    assert the_plan.expected_calls == pytest.approx(466 * 9)
    assert any("466 calls/h" in line for line in the_plan.description)
    assert any("no platform has numbers" in note for note in the_plan.notes)


# ---- files --------------------------------------------------------------------------------------
def test_the_example_rates_file_is_read(beijing: HotlineConfig) -> None:
    rates = read_rates(RATES, [p.id for p in beijing.platforms])

    assert rates.for_hour(9)[0] == ("high", 55.0)
    assert dict(rates.for_hour(14))["chaoyang"] == 36.0
    assert {court for court, _ in rates.for_hour(14)} == {p.id for p in beijing.platforms}


def test_every_bad_row_of_a_rates_file_is_reported_with_its_line(tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text(
        "court,hour,calls_per_hour\nhigh,*,10\natlantis,*,3\nhigh,25,3\nhigh,*,4\nhaidian,9,-2\n",
        encoding="utf-8",
    )

    with pytest.raises(InputFileError) as raised:
        read_rates(rates, ["high", "haidian"])

    assert raised.value.problems == [
        f"{rates}:3: court: unknown platform 'atlantis'",
        f"{rates}:4: hour: must be 0–23 or *, not '25'",
        f"{rates}:5: row: high hour * is listed twice",
        f"{rates}:6: calls_per_hour: must be a number >= 0, not '-2'",
    ]


def test_a_rates_file_without_its_columns_is_refused(tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("court,rate\nhigh,3\n", encoding="utf-8")

    with pytest.raises(SimulationError, match=r"rates.csv:1: header: missing column\(s\) hour"):
        read_rates(rates, ["high"])


def test_recorded_calls_are_grouped_by_opening_and_those_after_hours_left_out(
    beijing: HotlineConfig,
) -> None:
    the_plan = plan(beijing, Options(recorded_file=RECORDED, poolings=(Pooling.TIERS,)))

    assert len(the_plan.sessions) == 1
    assert the_plan.sessions[0].start == datetime(2025, 3, 3, 8, 30, tzinfo=SHANGHAI)
    arrivals = list(the_plan.arrivals(0))
    assert len(arrivals) == the_plan.expected_calls == 330
    assert any("2 recorded call(s) outside seat hours" in line for line in the_plan.description)
    assert arrivals[0].at_s == pytest.approx(4 * 60 + 54), "08:34:54"
    assert {a.home_platform for a in arrivals} >= {"high", "chaoyang"}
    results = run(the_plan)
    assert results[0][1].overall().offered == 330


def test_a_recorded_court_is_a_platform_or_the_number_dialled(small: HotlineConfig) -> None:
    home = home_resolver(small)

    assert home("haidian") == "haidian"
    assert home("12368105") == "chaoyang", "a court's own number"
    assert home("12368") == "high", "the hotline number belongs to HQ"
    assert home("110") is None


def test_every_bad_recorded_row_is_reported_and_the_file_refused(
    small: HotlineConfig, tmp_path: Path
) -> None:
    recorded = tmp_path / "calls.csv"
    recorded.write_text(
        "time,court,queue,handle_s,patience_s\n"
        "2025-03-03 09:00:00,12368108,,120,\n"
        "yesterday,high,,120,\n"
        "2025-03-03 09:01:00,110,,120,\n"
        "2025-03-03 09:02:00,high,nowhere,120,\n"
        "2025-03-03 09:03:00,high,,0,\n"
        "2025-03-03 09:04:00,high,,60,soon\n",
        encoding="utf-8",
    )

    with pytest.raises(InputFileError) as raised:
        plan(small, Options(recorded_file=recorded))

    assert raised.value.problems == [
        f"{recorded}:3: time: expected YYYY-MM-DD HH:MM[:SS], not 'yesterday'",
        f"{recorded}:4: court: not a platform id or a routed number: '110'",
        f"{recorded}:5: queue: unknown queue 'nowhere'",
        f"{recorded}:6: handle_s: must be a number > 0, not '0'",
        f"{recorded}:7: patience_s: must be a number >= 0, not 'soon'",
    ]


def test_recorded_calls_on_a_day_off_are_left_out(small: HotlineConfig, tmp_path: Path) -> None:
    recorded = tmp_path / "calls.csv"
    # 2025-10-01 is National Day; 2025-09-28 a Sunday worked in exchange (调休).
    recorded.write_text(
        "time,court,queue,handle_s,patience_s\n"
        "2025-10-01 10:00,high,,120,\n"
        "2025-09-28 10:00,high,,120,\n",
        encoding="utf-8",
    )

    the_plan = plan(small, Options(recorded_file=recorded))

    assert [s.start.date() for s in the_plan.sessions] == [date(2025, 9, 28)]
    assert any("1 recorded call(s) outside" in line for line in the_plan.description)


# ---- report -------------------------------------------------------------------------------------
def test_report_rows_count_calls_by_court_and_seats_by_platform(small: HotlineConfig) -> None:
    the_plan = plan(small, Options(days=1, calls_per_hour=20, poolings=(Pooling.NONE,)))
    [(variant, tally)] = run(the_plan)
    setup = dict(the_plan.variants)[variant]

    table = rows(setup, tally)

    assert [row.platform for row in table] == ["high", "chaoyang", "haidian", "all"]
    assert [row.seats for row in table] == [1, 2, 1, 4]
    overall = table[-1]
    assert overall.offered == sum(row.offered for row in table[:-1])
    assert overall.answered == overall.taken == sum(row.taken for row in table[:-1])
    for row in table[:-1]:
        assert row.taken == row.answered, "without pooling every court answers its own calls"
    assert overall.occupancy_min is not None and overall.occupancy_max is not None
    assert overall.occupancy_min <= (overall.occupancy_mean or 0) <= overall.occupancy_max
    text = "\n".join(single(setup, tally, 20))
    assert "in 20 s" in text and "chaoyang" in text


def test_compare_puts_the_variants_side_by_side(small: HotlineConfig) -> None:
    the_plan = plan(
        small, Options(days=1, calls_per_hour=20, poolings=(Pooling.TIERS, Pooling.NONE))
    )
    setups = dict(the_plan.variants)
    runs = [(variant.label, setups[variant], tally) for variant, tally in run(the_plan)]

    lines = compare(runs, 20)

    assert lines[0].split() == ["configured/tiers", "configured/none"]
    assert any(line.startswith("answered in 20 s") for line in lines)
    assert any("A = configured/tiers, B = configured/none" in line for line in lines)
    assert lines[-1].startswith("all")


def changed_tiers(config: HotlineConfig, overflow_after_s: int) -> HotlineConfig:
    queues = [
        queue.model_copy(
            update={
                "tiers": [
                    queue.tiers[0].model_copy(),
                    queue.tiers[0].model_copy(
                        update={"after_s": overflow_after_s, "platforms": ["all"]}
                    ),
                ]
            }
        )
        for queue in config.queues
    ]
    return config.model_copy(update={"queues": queues})


def built_in_tiers(config: HotlineConfig) -> HotlineConfig:
    """Every queue with the tiers a queue gets when the YAML names none (20 s, 45 s)."""
    defaults = Queue.model_fields["tiers"].get_default(call_default_factory=True)
    queues = [queue.model_copy(update={"tiers": defaults}) for queue in config.queues]
    return config.model_copy(update={"queues": queues})


def test_a_changed_copy_of_the_yaml_runs_on_the_same_callers(beijing: HotlineConfig) -> None:
    current_config = built_in_tiers(beijing)
    proposed = changed_tiers(current_config, 5)
    options = Options(days=1, rates_file=RATES)

    the_plan = plan(current_config, options, [("proposed", proposed)])
    (_, current), (_, changed) = run(the_plan)

    assert [variant.label for variant, _ in the_plan.variants] == ["current", "proposed"]
    assert [
        tier.after_s for tier in the_plan.variants[1][1].queues["consultation"].routing.tiers
    ] == [0, 5]
    assert current.overall().offered == changed.overall().offered
    assert current.courts.keys() == changed.courts.keys()
    # Overflow to every seat after 5 s instead of HQ at 20 s and all at 45 s.
    assert (changed.overall().service_level or 0) > (current.overall().service_level or 0) + 0.2


def test_a_changed_copy_missing_a_court_or_queue_is_refused(beijing: HotlineConfig) -> None:
    without_yanqing = beijing.model_copy(
        update={"platforms": [p for p in beijing.platforms if p.id != "yanqing"]}
    )

    with pytest.raises(SimulationError, match=r"^--against: smaller has no platform yanqing"):
        plan(beijing, Options(days=1), [("smaller", without_yanqing)])
