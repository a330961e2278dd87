"""Tables of what a simulated run did, per platform and overall, one run or several side by side."""

from __future__ import annotations

import statistics
import textwrap
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from simulate.model import CourtTally, Setup, Tally

OVERALL = "all"
WIDTH = 100


@dataclass(frozen=True)
class Row:
    """One platform (or every platform: OVERALL) of one run."""

    platform: str
    seats: int
    offered: int
    answered: int
    taken: int  # answered by this platform's seats, whichever court the call was for
    abandoned: int
    timed_out: int
    service_level: float | None  # answered within the target, over offered
    average_wait_s: float | None  # of answered calls
    abandonment: float | None  # over offered
    occupancy_mean: float | None  # talk plus wrap-up over logged-in time, mean across seats
    occupancy_sd: float | None  # standard deviation across the seats
    occupancy_min: float | None
    occupancy_max: float | None


def rows(setup: Setup, tally: Tally) -> list[Row]:
    """The platforms in config order, then OVERALL."""
    seats_of: dict[str, list[float]] = {platform: [] for platform in setup.platforms}
    for seat in setup.seats:
        seat_tally = tally.seats.get(seat.seat_id)
        if seat_tally is not None:
            seats_of[seat.platform_id].append(seat_tally.occupancy)
    every_seat = [occupancy for values in seats_of.values() for occupancy in values]
    result = [
        _row(
            platform,
            tally.courts.get(platform, CourtTally()),
            tally.taken.get(platform, 0),
            seats_of[platform],
        )
        for platform in setup.platforms
    ]
    result.append(_row(OVERALL, tally.overall(), sum(tally.taken.values()), every_seat))
    return result


def _row(platform: str, court: CourtTally, taken: int, occupancies: Sequence[float]) -> Row:
    return Row(
        platform=platform,
        seats=len(occupancies),
        offered=court.offered,
        answered=court.answered,
        taken=taken,
        abandoned=court.abandoned,
        timed_out=court.timed_out,
        service_level=court.service_level,
        average_wait_s=court.average_wait_s,
        abandonment=court.abandonment,
        occupancy_mean=statistics.fmean(occupancies) if occupancies else None,
        occupancy_sd=statistics.pstdev(occupancies) if occupancies else None,
        occupancy_min=min(occupancies, default=None),
        occupancy_max=max(occupancies, default=None),
    )


def _percent(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def _spread(row: Row) -> str:
    if row.occupancy_sd is None or row.occupancy_min is None or row.occupancy_max is None:
        return "-"
    return (
        f"{row.occupancy_sd * 100:.1f} pp, "
        f"{row.occupancy_min * 100:.0f}–{row.occupancy_max * 100:.0f}%"
    )


def _widths(header: Sequence[str], body: Sequence[Sequence[str]]) -> list[int]:
    return [max(len(cells[i]) for cells in [header, *body]) for i in range(len(header))]


def _table(
    header: Sequence[str],
    body: Sequence[Sequence[str]],
    left: int = 1,
    widths: Sequence[int] | None = None,
) -> list[str]:
    """Columns padded to their widest cell; the first `left` columns flush left, others right."""
    widths = widths or _widths(header, body)
    lines = []
    for cells in [header, *body]:
        padded = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
    return lines


def _grouped_table(
    groups: Sequence[tuple[str, int, int]], header: Sequence[str], body: Sequence[Sequence[str]]
) -> list[str]:
    """A table with a title over each group of columns (title, first column, column count)."""
    widths = _widths(header, body)
    for title, first, count in groups:
        span = sum(widths[first : first + count]) + 2 * (count - 1)
        if span < len(title):
            widths[first] += len(title) - span
    above = ""
    for title, first, count in groups:
        start = sum(widths[:first]) + 2 * first
        span = sum(widths[first : first + count]) + 2 * (count - 1)
        above = above.ljust(start) + title.center(span, "-")
    return [above, *_table(header, body, widths=widths)]


def tier_shares(tally: Tally) -> str:
    """How the answered calls split over the tiers they were answered from: "60/10/30%"."""
    answered = sum(tally.by_tier.values())
    if not answered:
        return "-"
    last = max(tally.by_tier)
    shares = [tally.by_tier.get(tier, 0) / answered * 100 for tier in range(last + 1)]
    return "/".join(f"{share:.0f}" for share in shares) + "%"


def wrapped(lines: Sequence[str], indent: str = "  ") -> list[str]:
    return [
        textwrap.fill(line, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")
        for line in lines
    ]


def footnotes(service_level_s: float, *, side_by_side: bool = False) -> list[str]:
    courts = (
        "calls are counted under their court (home platform), wherever they were answered"
        if side_by_side
        else "calls are counted under their court (home platform); taken: calls the platform's "
        "own seats answered, for any court"
    )
    return [
        "tiers: answered from the queue's first / second / ... tier (with pooling none or all "
        "there is one tier)",
        f"in {service_level_s:g} s: calls answered within {service_level_s:g} s of queueing, over "
        "every offered call (abandoned and timed-out calls count as missed)",
        "wait: mean wait of the answered calls; abandoned: hung up while waiting, over offered; "
        "timed out: taken out of line at the queue's max_wait_s (callback list)",
        courts,
        "occupancy: talk plus wrap-up over logged-in time per seat, mean over the platform's "
        "seats; spread: standard deviation (percentage points) and min–max across them",
    ]


def single(setup: Setup, tally: Tally, service_level_s: float) -> list[str]:
    within = f"in {service_level_s:g} s"
    header = [
        "platform",
        "seats",
        "offered",
        "answered",
        "taken",
        within,
        "wait",
        "abandoned",
        "timed out",
        "occupancy",
        "spread",
    ]
    body = [
        [
            row.platform,
            str(row.seats),
            str(row.offered),
            str(row.answered),
            str(row.taken),
            _percent(row.service_level),
            _seconds(row.average_wait_s),
            _percent(row.abandonment),
            str(row.timed_out),
            _percent(row.occupancy_mean, 0),
            _spread(row),
        ]
        for row in rows(setup, tally)
    ]
    return [*_table(header, body), "", f"answered from tier 1/2/...: {tier_shares(tally)}"]


def compare(runs: Sequence[tuple[str, Setup, Tally]], service_level_s: float) -> list[str]:
    """The runs side by side: the overall figures, then per platform service level and
    occupancy."""
    every = [(label, rows(setup, tally)) for label, setup, tally in runs]
    overall = [platform_rows[-1] for _, platform_rows in every]
    metrics: list[tuple[str, list[str]]] = [
        ("offered", [str(row.offered) for row in overall]),
        ("answered", [str(row.answered) for row in overall]),
        (f"answered in {service_level_s:g} s", [_percent(r.service_level) for r in overall]),
        ("average wait (answered)", [_seconds(row.average_wait_s) for row in overall]),
        ("abandoned", [_percent(row.abandonment) for row in overall]),
        ("timed out", [str(row.timed_out) for row in overall]),
        ("occupancy, mean of seats", [_percent(row.occupancy_mean) for row in overall]),
        (
            "occupancy sd across seats",
            ["-" if r.occupancy_sd is None else f"{r.occupancy_sd * 100:.1f} pp" for r in overall],
        ),
        (
            "occupancy min–max",
            [
                "-"
                if r.occupancy_min is None or r.occupancy_max is None
                else f"{r.occupancy_min * 100:.0f}–{r.occupancy_max * 100:.0f}%"
                for r in overall
            ],
        ),
    ]
    metrics.append(("answered from tier 1/2/...", [tier_shares(tally) for _, _, tally in runs]))
    labels = [label for label, _ in every]
    lines = _table(["", *labels], [[name, *values] for name, values in metrics])
    letters = _letters(len(runs))
    header = ["platform", "seats", "offered", *letters, *letters]
    body = []
    for index, row in enumerate(every[0][1]):
        per_run = [platform_rows[index] for _, platform_rows in every]
        body.append(
            [
                row.platform,
                str(row.seats),
                str(row.offered),
                *(_percent(r.service_level) for r in per_run),
                *(_percent(r.occupancy_mean, 0) for r in per_run),
            ]
        )
    count = len(runs)
    groups = [(f"answered in {service_level_s:g} s", 3, count), ("occupancy", 3 + count, count)]
    table = _grouped_table(groups, header, body)
    legend = ", ".join(f"{letter} = {label}" for letter, label in zip(letters, labels, strict=True))
    return [*lines, "", *wrapped([f"per platform: {legend}"], ""), *table]


def _letters(count: int) -> list[str]:
    return [chr(ord("A") + index) for index in range(count)]


def as_json(runs: Sequence[tuple[str, Setup, Tally]]) -> list[dict[str, Any]]:
    return [
        {
            "variant": label,
            "sessions": tally.sessions,
            "answered_by_tier": {str(tier): count for tier, count in sorted(tally.by_tier.items())},
            "platforms": [asdict(row) for row in rows(setup, tally)],
        }
        for label, setup, tally in runs
    ]
