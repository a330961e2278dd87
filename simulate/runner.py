"""From the hotline YAML and the simulator's options to runs of the model, one per variant.

The routing comes from the composition root's own functions (hotline.app: `queue_routing`,
`platform_kinds`, `configured_seats`, `hq_platform`), so a simulated variant is the YAML the
switch would load, with at most its strategy or its tiers replaced.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from config.schema import HotlineConfig
from hotline.settings import configured_seats, hq_platform, platform_kinds, queue_routing
from routing.policy import ALL, HOME, Strategy, Tier
from schedule.calendar import WorkdayCalendar
from schedule.config import TimeWindow
from schedule.hours import join_adjacent
from simulate.arrivals import (
    HANDLE_DISTRIBUTIONS,
    HandleTime,
    Opening,
    Patience,
    RateTable,
    expected_calls,
    openings,
    poisson_arrivals,
    read_rates,
    read_recorded_calls,
    recorded_sessions,
)
from simulate.errors import SimulationError
from simulate.model import Arrival, QueueSettings, SeatSpec, Session, Setup, Tally

DEFAULT_DAYS = 5
DEFAULT_FIRST_DAY = date(2025, 3, 3)  # a Monday and a working day: runs are reproducible
DEFAULT_HANDLE_S = 300.0
DEFAULT_PATIENCE_S = 180.0
# Without a rate, callers come at this share of what the seats can carry.
DEFAULT_LOAD = 0.85
DEFAULT_MAX_CALLS = 1_000_000


class Pooling(enum.StrEnum):
    TIERS = "tiers"  # each queue's tiers as configured
    NONE = "none"  # a court's calls go to its own seats only
    ALL = "all"  # every seat takes every call from the first second


@dataclass(frozen=True)
class Variant:
    strategy: Strategy | None  # None: each queue's own strategy
    pooling: Pooling
    config: str | None = None  # which YAML, when a changed copy is compared with the current one

    @property
    def label(self) -> str:
        routing = f"{self.strategy.value if self.strategy else 'configured'}/{self.pooling.value}"
        if self.config is None:
            return routing
        as_written = self.strategy is None and self.pooling is Pooling.TIERS
        return self.config if as_written else f"{self.config}: {routing}"


@dataclass(frozen=True)
class Options:
    """What the admin asked for; None is "not given" (a default, or not allowed with others)."""

    days: int | None = None
    first_day: date | None = None
    calls_per_hour: float | None = None
    shares: Mapping[str, float] | None = None
    rates_file: Path | None = None
    queue_mix: Mapping[str, float] | None = None
    recorded_file: Path | None = None
    handle_s: float | None = None
    handle_distribution: str | None = None
    handle_cv: float | None = None
    patience_s: float | None = None  # math.inf: never hangs up
    strategies: tuple[Strategy, ...] = ()
    poolings: tuple[Pooling, ...] = ()
    service_level_s: float = 20.0
    seed: int = 1
    max_calls: int = DEFAULT_MAX_CALLS


@dataclass(frozen=True)
class Plan:
    variants: list[tuple[Variant, Setup]]
    sessions: list[Opening]
    arrivals: Callable[[int], Iterator[Arrival]]  # a session's callers, the same on every call
    expected_calls: float  # per variant
    description: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_weights(
    option: str, values: Sequence[str], known: Sequence[str]
) -> dict[str, float] | None:
    """`NAME=WEIGHT` values of a repeated option; None when it was not given."""
    if not values:
        return None
    weights: dict[str, float] = {}
    for value in values:
        name, equals, text = value.partition("=")
        name = name.strip()
        if not equals:
            raise SimulationError(option, f"expected NAME=WEIGHT, not {value!r}")
        if name not in known:
            raise SimulationError(option, f"unknown name {name!r} (known: {', '.join(known)})")
        if name in weights:
            raise SimulationError(option, f"{name} is given twice")
        try:
            weight = float(text)
        except ValueError:
            weight = -1.0
        if not weight >= 0 or weight == float("inf"):
            raise SimulationError(option, f"{name}: the weight must be a number >= 0, not {text!r}")
        weights[name] = weight
    if not any(weights.values()):
        raise SimulationError(option, "at least one weight must be above 0")
    return weights


def setup_for(config: HotlineConfig, variant: Variant, service_level_s: float) -> Setup:
    routing = queue_routing(config)
    queues: dict[str, QueueSettings] = {}
    for queue in config.queues:
        queue_routes = routing[queue.id]
        if variant.strategy is not None:
            queue_routes = replace(queue_routes, strategy=variant.strategy)
        match variant.pooling:
            case Pooling.NONE:
                queue_routes = replace(queue_routes, tiers=(Tier(0, frozenset({HOME})),))
            case Pooling.ALL:
                queue_routes = replace(queue_routes, tiers=(Tier(0, frozenset({ALL})),))
            case Pooling.TIERS:
                pass
        queues[queue.id] = QueueSettings(
            queue_routes, queue.priority, float(queue.wrap_up_s), float(queue.max_wait_s)
        )
    seats = tuple(
        SeatSpec(seat_id, platform, skills, order)
        for order, (seat_id, platform, skills) in enumerate(configured_seats(config))
    )
    return Setup(platform_kinds(config), seats, queues, service_level_s)


def home_resolver(config: HotlineConfig) -> Callable[[str], str | None]:
    """A recorded call's court: a platform id, else the platform of the number dialled, the HQ
    platform for the hotline's own numbers (as calls.service.CallSettings.home_platform_for)."""
    platforms = {platform.id for platform in config.platforms}
    numbers = {number: p.id for p in config.platforms for number in p.numbers}
    hq = hq_platform(config)

    def resolve(value: str) -> str | None:
        if value in platforms:
            return value
        if value in numbers:
            return numbers[value]
        return hq if value in config.hotline.numbers else None

    return resolve


def plan(
    config: HotlineConfig,
    options: Options,
    against: Sequence[tuple[str, HotlineConfig]] = (),
) -> Plan:
    """Check the options against the config and lay out the runs; raises SimulationError.

    `against` holds changed copies of the YAML (name, config): each is run too, on the callers
    generated from `config`, so a routing change is judged on the very same calls.
    """
    _check_numbers(options)
    if not config.seats:
        raise SimulationError("--config", "the config has no seats to simulate")
    configs: list[tuple[str | None, HotlineConfig]] = [(None, config)]
    if against:
        configs = [("current", config), *against]
        for name, changed in against:
            _check_comparable(config, name, changed)
    setups = [
        (variant, setup_for(yaml, variant, options.service_level_s))
        for name, yaml in configs
        for variant in (
            Variant(strategy, pooling, name)
            for strategy in (options.strategies or (None,))
            for pooling in (options.poolings or (Pooling.TIERS,))
        )
    ]
    hours = config.hours
    calendar = WorkdayCalendar.from_config(hours.calendar, hours.zone)
    windows = join_adjacent(hours.seat_hours)
    notes = []
    if hours.platform_hours:
        listed = ", ".join(sorted(hours.platform_hours))
        notes.append(
            f"hours.platform_hours ({listed}) is not simulated: every seat is open during "
            "hours.seat_hours"
        )
    if not any(platform.numbers for platform in config.platforms):
        notes.append(
            "no platform has numbers: live, every call would be the HQ platform's own; the "
            "simulated courts stand for calls on court numbers not configured yet"
        )
    if options.recorded_file is not None:
        built = _recorded_plan(config, options, calendar, windows)
    else:
        built = _generated_plan(config, options, calendar, windows)
    sessions, arrivals, expected, description = built
    if expected > options.max_calls:
        raise SimulationError(
            "--max-calls",
            f"about {expected:,.0f} calls per run, more than {options.max_calls:,}: shorten "
            "--days or raise --max-calls",
        )
    description.append(
        f"wrap-up, max wait and priority per queue as configured; service level: answered within "
        f"{options.service_level_s:g} s"
    )
    return Plan(setups, sessions, arrivals, expected, description, notes)


def run(
    plan: Plan, progress: Callable[[Variant, int], None] | None = None
) -> list[tuple[Variant, Tally]]:
    results = []
    for variant, setup in plan.variants:
        tally = Tally()

        def report(calls: int, variant: Variant = variant) -> None:
            if progress is not None:
                progress(variant, calls)

        for index, opening in enumerate(plan.sessions):
            session = Session(setup, opening.start, tally, report)
            session.run(plan.arrivals(index), opening.length_s)
        results.append((variant, tally))
    return results


def _check_comparable(current: HotlineConfig, name: str, changed: HotlineConfig) -> None:
    """The current config's callers must be routable by the changed one."""
    for kind, have, want in (
        ("platform", {p.id for p in changed.platforms}, [p.id for p in current.platforms]),
        ("queue", {q.id for q in changed.queues}, [q.id for q in current.queues]),
    ):
        missing = [item for item in want if item not in have]
        if missing:
            raise SimulationError(
                "--against",
                f"{name} has no {kind} {', '.join(missing)}: the current config's callers "
                "could not be routed by it",
            )
    if not changed.seats:
        raise SimulationError("--against", f"{name} has no seats to simulate")


def _check_numbers(options: Options) -> None:
    checks: list[tuple[str, float | None, float, bool]] = [
        ("--days", options.days, 1, True),
        ("--calls-per-hour", options.calls_per_hour, 0, False),
        ("--handle-s", options.handle_s, 0, False),
        ("--handle-cv", options.handle_cv, 0, False),
        ("--patience-s", options.patience_s, 0, False),
        ("--service-level-s", options.service_level_s, 0, True),
        ("--max-calls", options.max_calls, 1, True),
    ]
    for option, value, bound, inclusive in checks:
        if value is None:
            continue
        if value != value or (value < bound if inclusive else value <= bound):  # NaN too
            relation = ">=" if inclusive else ">"
            raise SimulationError(option, f"must be {relation} {bound:g}, not {value:g}")
    if options.handle_distribution not in (None, *HANDLE_DISTRIBUTIONS):
        raise SimulationError("--handle-dist", f"must be one of {', '.join(HANDLE_DISTRIBUTIONS)}")
    if options.handle_cv is not None and options.handle_distribution != "lognormal":
        raise SimulationError("--handle-cv", "only applies with --handle-dist lognormal")
    if options.calls_per_hour is not None and options.calls_per_hour == float("inf"):
        raise SimulationError("--calls-per-hour", "must be finite")


Built = tuple[list[Opening], Callable[[int], Iterator[Arrival]], float, list[str]]


def _generated_plan(
    config: HotlineConfig,
    options: Options,
    calendar: WorkdayCalendar,
    windows: Sequence[TimeWindow],
) -> Built:
    courts = [platform.id for platform in config.platforms]
    queue_ids = [queue.id for queue in config.queues]
    if options.rates_file is not None:
        for option, given in (
            ("--calls-per-hour", options.calls_per_hour),
            ("--share", options.shares),
        ):
            if given is not None:
                raise SimulationError(option, "cannot be combined with --rates (the file has them)")
    queue_mix = options.queue_mix or {config.ivr.agent_queue: 1.0}
    unknown = sorted(set(queue_mix) - set(queue_ids))
    if unknown:
        raise SimulationError("--queue-mix", f"unknown queue {unknown[0]!r}")
    handle = HandleTime(
        options.handle_s or DEFAULT_HANDLE_S,
        options.handle_distribution or "exponential",
        options.handle_cv if options.handle_cv is not None else 1.0,
    )
    patience = _patience(options)
    days = options.days or DEFAULT_DAYS
    sessions = openings(calendar, windows, options.first_day or DEFAULT_FIRST_DAY, days)
    weight = sum(queue_mix.values())
    wrap_up = sum(config.queue(q).wrap_up_s * w / weight for q, w in queue_mix.items())
    capacity = len(config.seats) * 3600 / (handle.mean_s + wrap_up)
    if options.rates_file is not None:
        rates = read_rates(options.rates_file, courts)
        source = f"rates from {options.rates_file} (by court and hour)"
    else:
        shares = options.shares or dict.fromkeys(courts, 1.0)
        calls_per_hour = options.calls_per_hour or round(DEFAULT_LOAD * capacity)
        rates = RateTable.flat(calls_per_hour, shares)
        share_text = "the --share weights" if options.shares else "an equal share for each court"
        if options.calls_per_hour is None:
            source = (
                f"{calls_per_hour:g} calls/h ({DEFAULT_LOAD:.0%} of what the seats carry), "
                f"{share_text}"
            )
        else:
            source = f"{calls_per_hour:g} calls/h, {share_text}"
    expected = sum(expected_calls(rates, opening) for opening in sessions)
    hours_open = sum(opening.length_s for opening in sessions) / 3600
    mean_rate = expected / hours_open
    load = mean_rate * (handle.mean_s + wrap_up) / 3600
    mix = ", ".join(f"{q} {w / weight:.0%}" for q, w in queue_mix.items())
    first, last = sessions[0].start.date(), sessions[-1].start.date()
    period = f"1 working day, {first}" if days == 1 else f"{days} working days, {first} … {last}"
    description = [
        f"{period}; seats open "
        f"{', '.join(window.label() for window in windows)}; seed {options.seed}",
        f"callers: Poisson, {source}; queues: {mix}",
        f"offered load {load:.1f} Erl on {len(config.seats)} seats "
        f"({load / len(config.seats):.0%}), about {expected:,.0f} calls per run",
        f"handle time {handle.describe()}; patience {patience.describe()}",
    ]

    def arrivals(index: int) -> Iterator[Arrival]:
        rng = random.Random(f"{options.seed}/{index}")
        return poisson_arrivals(rng, rates, queue_mix, sessions[index], handle, patience)

    return sessions, arrivals, expected, description


def _recorded_plan(
    config: HotlineConfig,
    options: Options,
    calendar: WorkdayCalendar,
    windows: Sequence[TimeWindow],
) -> Built:
    assert options.recorded_file is not None
    generated_only = {
        "--days": options.days,
        "--start-date": options.first_day,
        "--calls-per-hour": options.calls_per_hour,
        "--share": options.shares,
        "--rates": options.rates_file,
        "--queue-mix": options.queue_mix,
        "--handle-s": options.handle_s,
        "--handle-dist": options.handle_distribution,
        "--handle-cv": options.handle_cv,
        "--patience-s": options.patience_s,
    }
    for option, given in generated_only.items():
        if given is not None:
            raise SimulationError(option, "cannot be combined with --arrivals (the file has it)")
    calls = read_recorded_calls(
        options.recorded_file,
        home_for=home_resolver(config),
        queues=[queue.id for queue in config.queues],
        default_queue=config.ivr.agent_queue,
        zone=calendar.zone,
    )
    grouped, outside = recorded_sessions(calls, calendar, windows)
    if not grouped:
        raise SimulationError(
            str(options.recorded_file), "no recorded call falls within seat hours on a working day"
        )
    sessions = [opening for opening, _ in grouped]
    expected = float(sum(len(arrivals) for _, arrivals in grouped))
    description = [
        f"recorded calls from {options.recorded_file}: {expected:,.0f} in {len(sessions)} "
        f"opening(s) of the seats ({sessions[0].label()} …)",
    ]
    if outside:
        description.append(
            f"{outside} recorded call(s) outside seat hours or on days off left out (the live "
            "switch sends them to a message)"
        )

    def arrivals(index: int) -> Iterator[Arrival]:
        return iter(grouped[index][1])

    return sessions, arrivals, expected, description


def _patience(options: Options) -> Patience:
    if options.patience_s is None:
        return Patience(DEFAULT_PATIENCE_S)
    return Patience(None if options.patience_s == float("inf") else options.patience_s)
