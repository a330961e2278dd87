"""A report as files: HTML (zh-CN, charts drawn as SVG in the page), CSV and XLSX. Pure apart
from `write_xlsx`, which writes the spreadsheet file."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import date, datetime
from html import escape
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from reports.figures import Rules, by_court, by_division, daily, figures, of_court, only
from reports.model import FIGURE_LABELS, PERIOD_LABELS, RATES, Figures, Records, Window

ALL_COURTS = "全部法院"


@dataclass(frozen=True)
class Report:
    title: str
    window: Window
    scope: str  # the court's name, or ALL_COURTS
    total: Figures
    courts: dict[str, Figures]  # by court name (every court, or the one)
    divisions: dict[str, Figures]  # one court's divisions; empty for the whole hotline
    trend: dict[date, Figures]
    generated_at: datetime


def build(
    records: Records,
    window: Window,
    rules: Rules,
    court_names: dict[str, str],
    *,
    court: str | None,
    hotline_name: str,
    generated_at: datetime,
) -> Report:
    if court is not None:
        records = only(records, of_court(court))
        courts = {court: court_names.get(court, court)}
    else:
        courts = court_names
    scope = courts[court] if court is not None else ALL_COURTS
    return Report(
        title=f"{hotline_name}{PERIOD_LABELS[window.period]}（{scope}，{window.label}）",
        window=window,
        scope=scope,
        total=figures(records, window, rules),
        courts={
            courts[court_id]: result
            for court_id, result in by_court(records, window, rules, courts).items()
        },
        divisions=by_division(records, window, rules, court) if court is not None else {},
        trend=daily(records, window, rules),
        generated_at=generated_at,
    )


def shown(name: str, value: float | int | None) -> str:
    if value is None:
        return "—"
    if name in RATES:
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _rows(report: Report) -> list[tuple[str, str, Figures]]:
    rows = [("合计", report.scope, report.total)]
    rows += [("法院", name, result) for name, result in report.courts.items()]
    rows += [("庭室", division, result) for division, result in report.divisions.items()]
    rows += [("日期", f"{day:%Y-%m-%d}", result) for day, result in report.trend.items()]
    return rows


# ---- CSV ------------------------------------------------------------------------------------
def to_csv(report: Report) -> str:
    """Raw values (rates as fractions, seconds as numbers), one row per scope and per day."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["范围", "名称", *FIGURE_LABELS.values()])
    for kind, name, result in _rows(report):
        values = asdict(result)
        writer.writerow(
            [kind, name, *("" if values[key] is None else values[key] for key in FIGURE_LABELS)]
        )
    return out.getvalue()


# ---- XLSX -----------------------------------------------------------------------------------
def write_xlsx(report: Report, path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["范围", "名称", *FIGURE_LABELS.values()])
    for kind, name, result in _rows(report):
        values = asdict(result)
        sheet.append([kind, name, *(values[key] for key in FIGURE_LABELS)])
        row = sheet.max_row
        for index, key in enumerate(FIGURE_LABELS, start=3):
            if key in RATES:
                sheet.cell(row=row, column=index).number_format = "0.0%"
    for letter in ("A", "B"):
        sheet.column_dimensions[letter].width = 14
    book.save(path)


# ---- HTML -----------------------------------------------------------------------------------
def _table(title: str, rows: list[tuple[str, Figures]]) -> str:
    head = "".join(f"<th>{escape(label)}</th>" for label in FIGURE_LABELS.values())
    body = "".join(
        "<tr><th scope='row'>"
        + escape(name)
        + "</th>"
        + "".join(f"<td>{shown(key, asdict(result)[key])}</td>" for key in FIGURE_LABELS)
        + "</tr>"
        for name, result in rows
    )
    return (
        f"<h2>{escape(title)}</h2><div class='scroll'><table><thead><tr><th>名称</th>{head}"
        f"</tr></thead><tbody>{body}</tbody></table></div>"
    )


WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 40, 48
COLOURS = ("#1f5fa8", "#c0392b", "#2e8b57")


def _nice_top(value: float) -> float:
    """The axis top: four gridline steps of 1, 2 or 5 × 10ⁿ, so every tick is a round number."""
    magnitude = 1.0
    while True:
        for step in (1, 2, 5):
            if step * magnitude * 4 >= value:
                return step * magnitude * 4
        magnitude *= 10


def line_chart(
    title: str, days: list[date], series: dict[str, list[float | None]], *, percent: bool
) -> str:
    """Lines over the days, with a labelled y axis, gridlines, day labels and a legend."""
    highest = max((v for values in series.values() for v in values if v is not None), default=0)
    top = 1.0 if percent else _nice_top(max(highest, 1))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(days) - 1, 1)

    def x(index: int) -> float:
        return LEFT + (index * step if len(days) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h - value / top * plot_h

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {WIDTH} {HEIGHT}' role='img'"
        f" aria-label='{escape(title)}' class='chart'><title>{escape(title)}</title>",
        f"<text x='{LEFT}' y='22' class='chart-title'>{escape(title)}</text>",
    ]
    for tick in range(5):
        value = top * tick / 4
        label = f"{value * 100:.0f}%" if percent else f"{value:g}"
        parts.append(
            f"<line x1='{LEFT}' x2='{WIDTH - RIGHT}' y1='{y(value):.1f}' y2='{y(value):.1f}'"
            " class='grid'/>"
            f"<text x='{LEFT - 8}' y='{y(value) + 4:.1f}' text-anchor='end' class='tick'>"
            f"{label}</text>"
        )
    every = max(1, len(days) // 10)
    for index, day in enumerate(days):
        if index % every == 0:
            parts.append(
                f"<text x='{x(index):.1f}' y='{HEIGHT - BOTTOM + 18}' text-anchor='middle'"
                f" class='tick'>{day:%m-%d}</text>"
            )
    for number, (name, values) in enumerate(series.items()):
        colour = COLOURS[number % len(COLOURS)]
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if points:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(
                f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='2.5'/>"
            )
            parts += [
                f"<circle cx='{px:.1f}' cy='{py:.1f}' r='3.5' fill='{colour}'/>"
                for px, py in points
            ]
        legend_x = LEFT + number * 150
        parts.append(
            f"<rect x='{legend_x}' y='{HEIGHT - 18}' width='14' height='4' fill='{colour}'/>"
            f"<text x='{legend_x + 20}' y='{HEIGHT - 12}' class='tick'>{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title: str, values: dict[str, float | None]) -> str:
    """Horizontal bars, one per court, each labelled with its name and value (percent)."""
    row_h, label_w = 26, 170
    height = TOP + row_h * max(len(values), 1) + 16
    plot_w = WIDTH - label_w - RIGHT - 60
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {WIDTH} {height}' role='img'"
        f" aria-label='{escape(title)}' class='chart'><title>{escape(title)}</title>",
        f"<text x='{LEFT}' y='22' class='chart-title'>{escape(title)}</text>",
    ]
    for index, (name, value) in enumerate(values.items()):
        top = TOP + index * row_h
        parts.append(
            f"<text x='{label_w - 8}' y='{top + 17}' text-anchor='end' class='tick'>"
            f"{escape(name)}</text>"
        )
        if value is None:
            parts.append(f"<text x='{label_w}' y='{top + 17}' class='tick'>无人工来电</text>")
            continue
        width = max(value * plot_w, 1)
        parts.append(
            f"<rect x='{label_w}' y='{top + 4}' width='{width:.1f}' height='{row_h - 8}'"
            f" fill='{COLOURS[0]}'/>"
            f"<text x='{label_w + width + 6:.1f}' y='{top + 17}' class='tick'>"
            f"{value * 100:.1f}%</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


STYLE = """
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; margin: 24px;
       color: #1c2430; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #cfd6df; padding: 4px 8px; text-align: right; white-space: nowrap; }
th[scope=row], thead th:first-child { text-align: left; }
thead th { background: #eef2f7; }
.chart { width: 100%; max-width: 720px; display: block; margin: 12px 0; }
.chart-title { font-size: 15px; font-weight: bold; fill: #1c2430; }
.tick { font-size: 12px; fill: #4a5563; }
.grid { stroke: #e3e8ef; stroke-width: 1; }
.muted { color: #6b7684; font-size: 13px; }
"""


def to_html(report: Report) -> str:
    days = list(report.trend)
    counts = line_chart(
        "每日呼入量与人工接通量",
        days,
        {
            "呼入量": [float(f.offered) for f in report.trend.values()],
            "转人工": [float(f.to_agents) for f in report.trend.values()],
            "人工接通": [float(f.answered) for f in report.trend.values()],
        },
        percent=False,
    )
    rates = line_chart(
        "每日接通率与服务水平",
        days,
        {
            "接通率": [f.connection_rate for f in report.trend.values()],
            "服务水平": [f.service_level for f in report.trend.values()],
        },
        percent=True,
    )
    bars = bar_chart("各法院接通率", {name: f.connection_rate for name, f in report.courts.items()})
    sections = [
        _table("汇总", [(report.scope, report.total)]),
        counts,
        rates,
        bars,
        _table("各法院", list(report.courts.items())),
    ]
    if report.divisions:
        sections.append(_table("各庭室（工单）", list(report.divisions.items())))
    sections.append(_table("按日", [(f"{d:%m-%d}", f) for d, f in report.trend.items()]))
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(report.title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(report.title)}</h1>"
        f"<p class='muted'>生成于 {report.generated_at:%Y-%m-%d %H:%M}。"
        "接通率 = 人工接通 ÷ 转人工；回拨率 = 已回拨接通的放弃来电 ÷ 放弃来电；"
        "质检合格率按期内办结并已评定的工单计。</p>" + "".join(sections) + "</body></html>"
    )
