"""Reports in the web console: the same figures as `hotline report`, for supervisors.

    GET /api/reports/{daily|weekly|monthly}?date=&court=&format=json|html|csv|xlsx

A branch court's supervisor gets their own court's report; HQ any court's or every court's.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web

from config.schema import HotlineConfig
from console.model import Permission
from console.sessions import SessionGuard
from hotline.api import error
from reports.cli import default_day, make_report
from reports.model import Period
from reports.render import Report, to_csv, to_html, write_xlsx

# The report page has no script and only its own inline styles.
REPORT_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
    " frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
FORMATS = ("json", "html", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_document(report: Report) -> dict[str, Any]:
    return {
        "title": report.title,
        "period": report.window.period.value,
        "start": report.window.start.isoformat(),
        "end": report.window.end.isoformat(),
        "scope": report.scope,
        "total": asdict(report.total),
        "courts": {name: asdict(figures) for name, figures in report.courts.items()},
        "divisions": {name: asdict(figures) for name, figures in report.divisions.items()},
        "days": {day.isoformat(): asdict(figures) for day, figures in report.trend.items()},
    }


class ReportsApi:
    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool | None],
        config: Callable[[], HotlineConfig],
        clock: Callable[[], datetime],
        guard: SessionGuard,
    ) -> None:
        self._pool = pool
        self._config = config
        self._clock = clock
        self._guard = guard

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/reports/{period}", self._report)

    async def _report(self, request: web.Request) -> web.StreamResponse:
        court = request.query.get("court") or None
        principal = await self._guard(request, Permission.REPORTS_VIEW, platform=court)
        if isinstance(principal, web.Response):
            return principal
        pool = self._pool()
        if pool is None:
            return error(503, "not-ready", "the switch is starting")
        config = self._config()
        try:
            period = Period(request.match_info["period"])
        except ValueError:
            return error(404, "report-not-found", "reports: daily, weekly or monthly")
        form = request.query.get("format", "json")
        if form not in FORMATS:
            return error(422, "bad-field", f"format: one of {', '.join(FORMATS)}")
        if court is not None and court not in {p.id for p in config.platforms}:
            return error(422, "bad-field", "court: a platform id of the config")
        # One court's supervisor: their court, even when they ask for every court.
        court = court or self._guard.scope(principal)
        now = self._clock()
        try:
            day = (
                date.fromisoformat(request.query["date"])
                if "date" in request.query
                else default_day(period, now.astimezone(config.hours.zone).date())
            )
        except ValueError:
            return error(422, "bad-field", "date: YYYY-MM-DD")
        report = await make_report(pool, config, period, day, court, now)
        stem = f"{period.value}-{court or 'all'}-{report.window.start:%Y%m%d}"
        match form:
            case "json":
                return web.json_response(report_document(report))
            case "html":
                return web.Response(
                    text=await asyncio.to_thread(to_html, report),
                    content_type="text/html",
                    charset="utf-8",
                    headers=REPORT_PAGE_HEADERS,
                )
            case "csv":
                return web.Response(
                    body=(await asyncio.to_thread(to_csv, report)).encode("utf-8-sig"),
                    content_type="text/csv",
                    charset="utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'},
                )
            case _:
                body = await asyncio.to_thread(_xlsx_bytes, report, f"{stem}.xlsx")
                return web.Response(
                    body=body,
                    content_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'},
                )


def _xlsx_bytes(report: Report, name: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        write_xlsx(report, path)
        return path.read_bytes()
