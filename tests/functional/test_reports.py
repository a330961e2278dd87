"""`hotline report`: a known week of records in PostgreSQL becomes HTML (with charts), CSV and
XLSX whose figures equal the hand-computed ones; the HTML renders in Chromium."""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from openpyxl import load_workbook
from playwright.async_api import Browser, expect

from config.schema import HotlineConfig
from reports.cli import run_command
from store.database import create_pool, migrate
from tests.browser import DESKTOP, UPDATE_SCREENSHOTS, new_page, save_screenshot
from tests.functional.call_harness import Stack
from tests.functional.test_console import Browser as ConsoleUser
from tests.functional.test_console import people  # noqa: F401

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)
DOCS_SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-report"


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=ZONE)


class Week:
    """Writes rows as the switch would have: calls, callbacks, work orders, grades, follow-ups."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.count = 0

    async def call(
        self,
        court: str,
        start: datetime,
        wait_s: float | None,
        handle_s: float | None,
        end_reason: str = "completed",
        survey: str | None = None,
        queued: bool = True,
    ) -> str:
        self.count += 1
        call_id = f"call{self.count:04d}"
        queued_at = start + timedelta(seconds=20) if queued else None
        connected = (
            queued_at + timedelta(seconds=wait_s) if queued_at and wait_s is not None else None
        )
        ended = (connected or queued_at or start) + timedelta(seconds=handle_s or 30)
        await self.pool.execute(
            "INSERT INTO calls (id, caller_channel_id, caller_number, state, home_platform,"
            " started_at, queued_at, connected_at, ended_at, end_reason, survey_answer)"
            " VALUES ($1, $2, '13900000000', 'ended', $3, $4, $5, $6, $7, $8, $9)",
            call_id,
            f"chan-{call_id}",
            court,
            start,
            queued_at,
            connected,
            ended,
            end_reason,
            survey,
        )
        return call_id

    async def callback(self, court: str, call_id: str, at: datetime, reached: bool) -> None:
        await self.pool.execute(
            "INSERT INTO callback_tasks (call_id, caller_number, reason, created_at, due_at,"
            " home_platform, outcome) VALUES ($1, '13900000000', 'abandoned', $2, $2, $3, $4)",
            call_id,
            at,
            court,
            "reached" if reached else "unreached",
        )

    async def order(
        self,
        court: str,
        division: str,
        created: datetime,
        due: datetime,
        replied: datetime | None,
        grade: str | None,
        override: str | None = None,
    ) -> int:
        closed = replied
        order_id: int = await self.pool.fetchval(
            "INSERT INTO work_orders (court_id, category, urgency, caller_number, content,"
            " created_at, created_by, due_at, status, handler_kind, handler_name,"
            " handler_court_id, handler_division_id, reply, replied_at, closed_at)"
            " VALUES ($1, 'contact_judge', 'normal', '13900000000', '请回电', $2, 'high-01',"
            " $3, $4, 'judge', '张明', $1, $5, $6, $7, $7) RETURNING id",
            court,
            created,
            due,
            "closed" if closed else "dispatched",
            division,
            "已联系当事人，说明了办理进度。" if replied else None,
            replied,
        )
        if grade is not None:
            await self.pool.execute(
                "INSERT INTO work_order_grades (work_order_id, result, reasons, on_time,"
                " substantive, solved, graded_at, override_result, override_note)"
                " VALUES ($1, $2, '{}', true, true, 'unknown', $3, $4, $5)",
                order_id,
                grade,
                closed,
                override,
                "复核改判" if override else None,
            )
        return order_id


@pytest.fixture
async def pool(database: dict[str, Any]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database, max_size=2)
    await migrate(pool)
    try:
        yield pool
    finally:
        await pool.close()


async def known_week(pool: asyncpg.Pool) -> None:
    """Chaoyang's week (hand-computed in the test below) and one haidian call."""
    week = Week(pool)
    tuesday, friday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=4)
    # Tuesday: 4 calls to agents (3 answered: waits 10, 30, 5 s), 1 self-service.
    await week.call("chaoyang", local(tuesday, 9), 10, 300, survey="satisfied")
    await week.call("chaoyang", local(tuesday, 10), 30, 1200, survey="unsatisfied")
    gone = await week.call("chaoyang", local(tuesday, 11), None, None, "abandoned_in_queue")
    await week.call("chaoyang", local(tuesday, 12), None, None, "self_service", queued=False)
    await week.call("chaoyang", local(tuesday, 14), 5, 120)
    await week.callback("chaoyang", gone, local(tuesday, 11, 5), reached=True)
    # Friday: 2 calls to agents, 1 answered at 25 s, 1 abandoned and not reached back.
    await week.call("chaoyang", local(friday, 9), 25, 600, survey="satisfied")
    lost = await week.call("chaoyang", local(friday, 10), None, None, "abandoned_in_queue")
    await week.callback("chaoyang", lost, local(friday, 10, 5), reached=False)
    # Outside the week (the Sunday before), and another court.
    await week.call("chaoyang", local(MONDAY - timedelta(days=1), 9), 5, 60)
    await week.call("haidian", local(tuesday, 9), 50, 100)
    # Work orders of 民一庭: one on time (pass), one late (fail, reviewed to pass), one overdue.
    await week.order(
        "chaoyang", "cy-civil1", local(tuesday, 9), local(friday, 17), local(tuesday, 15), "pass"
    )
    await week.order(
        "chaoyang",
        "cy-civil1",
        local(tuesday, 10),
        local(MONDAY + timedelta(days=2), 10),
        local(MONDAY + timedelta(days=3), 10),
        "fail",
        override="pass",
    )
    await week.order(
        "chaoyang", "cy-civil2", local(MONDAY, 9), local(MONDAY + timedelta(days=3), 9), None, None
    )


async def test_a_weekly_report_of_one_court_has_the_hand_computed_figures(
    pool: asyncpg.Pool, test_config: HotlineConfig, tmp_path: Path, browser: Browser
) -> None:
    await known_week(pool)
    out = io.StringIO()
    args = argparse.Namespace(
        period="weekly", court="chaoyang", date=MONDAY + timedelta(days=3), out=str(tmp_path)
    )
    assert await run_command(args, pool, test_config, out) == 0
    html, csv_path, xlsx = (Path(line) for line in out.getvalue().splitlines())
    assert html.name == "weekly-chaoyang-20261130.html"

    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    [total] = [row for row in rows if row["范围"] == "合计"]
    expected = {
        "呼入量": "7",  # 6 to agents + 1 self-service; Sunday's and haidian's are not counted
        "转人工": "6",
        "人工接通": "4",
        "接通率": str(4 / 6),
        "放弃": "2",
        "回拨率": "0.5",  # Tuesday's abandoned caller reached back, Friday's not
        "服务水平": str(2 / 6),  # waits 10, 30, 5, 25: two within 20 s
        "平均等待(秒)": str((10 + 30 + 5 + 25) / 4),
        "平均通话(秒)": str((300 + 1200 + 120 + 600) / 4),
        "超长通话": "1",  # 1200 s > 15 min
        "自助服务": "1",
        "满意度": str(2 / 3),
        "新建工单": "3",
        "按期答复": "1",
        "超期": "2",  # the late reply, and the one never replied
        "质检合格率": "1.0",  # the failed one was reviewed to pass
        "完成回访": "0",
    }
    assert {key: total[key] for key in expected} == expected
    by_day = {row["名称"]: row for row in rows if row["范围"] == "日期"}
    assert by_day["2026-12-01"]["呼入量"] == "5" and by_day["2026-12-04"]["接通率"] == "0.5"
    divisions = {row["名称"]: row for row in rows if row["范围"] == "庭室"}
    assert divisions["cy-civil1"]["新建工单"] == "2" and divisions["cy-civil2"]["超期"] == "1"

    sheet = load_workbook(xlsx)["汇总"]
    header = [cell.value for cell in sheet[2]]
    first = [cell.value for cell in sheet[3]]
    assert first[:2] == ["合计", "北京市朝阳区人民法院"]
    assert first[header.index("接通率")] == pytest.approx(4 / 6)
    assert sheet.cell(row=3, column=header.index("接通率") + 1).number_format == "0.0%"

    # The page in Chromium: the figures as people read them, and charts drawn with labels.
    page = await new_page(browser, DESKTOP)
    await page.goto(html.as_uri())
    await expect(page.locator("h1")).to_contain_text("周报")
    await expect(page.locator("table").first).to_contain_text("66.7%")
    charts = page.locator("svg.chart")
    await expect(charts).to_have_count(3)
    for index in range(3):
        box = await charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 60
    trend = charts.nth(0)
    await expect(trend.locator("polyline")).to_have_count(3)
    await expect(trend).to_contain_text("12-01")
    await expect(charts.nth(2)).to_contain_text("66.7%")
    await save_screenshot(page, "weekly-report")
    if os.environ.get(UPDATE_SCREENSHOTS) == "1":
        DOCS_SAMPLE.mkdir(parents=True, exist_ok=True)
        for path in (html, csv_path, xlsx):
            shutil.copyfile(path, DOCS_SAMPLE / path.name)


async def test_every_court_and_a_bad_court_id(
    pool: asyncpg.Pool, test_config: HotlineConfig, tmp_path: Path
) -> None:
    await known_week(pool)
    out = io.StringIO()
    args = argparse.Namespace(period="weekly", court=None, date=MONDAY, out=str(tmp_path))
    assert await run_command(args, pool, test_config, out) == 0
    csv_path = Path(out.getvalue().splitlines()[1])
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    courts = {row["名称"]: row for row in rows if row["范围"] == "法院"}
    assert courts["北京市海淀区人民法院"]["人工接通"] == "1"
    assert courts["北京市高级人民法院"]["呼入量"] == "0"
    [total] = [row for row in rows if row["范围"] == "合计"]
    assert total["呼入量"] == "8"
    bad = argparse.Namespace(period="weekly", court="narnia", date=MONDAY, out=str(tmp_path))
    assert await run_command(bad, pool, test_config, io.StringIO()) == 2


async def test_the_console_serves_reports_to_supervisors_of_their_own_court(
    stack: Stack,
    people: dict[str, ConsoleUser],  # noqa: F811
) -> None:
    pool = stack.hotline.pool
    assert pool is not None
    await known_week(pool)
    zhao, wang, zhang = people["zhao"], people["wang"], people["zhang"]
    for name in ("zhao", "wang", "zhang"):
        await people[name].sign_in(name)
    query = "/api/reports/weekly?date=2026-12-03"
    status, body = await zhang.send("GET", query)
    assert (status, body["error"]) == (403, "forbidden"), "agents do not read reports"
    status, body = await wang.send("GET", f"{query}&court=haidian")
    assert (status, body["error"]) == (403, "forbidden"), "another court's"
    status, mine = await wang.send("GET", query)
    assert status == 200 and mine["scope"] == "北京市朝阳区人民法院"
    assert (mine["total"]["offered"], mine["total"]["connection_rate"]) == (7, 4 / 6)
    status, every = await zhao.send("GET", query)
    assert every["scope"] == "全部法院" and every["total"]["offered"] == 8
    assert next(iter(every["days"])) == "2026-11-30"
    status, body = await zhao.send("GET", "/api/reports/yearly")
    assert (status, body["error"]) == (404, "report-not-found")
    status, body = await zhao.send("GET", f"{query}&format=pdf")
    assert (status, body["error"]) == (422, "bad-field")

    async with zhao.session.get(f"{zhao.base}{query}&format=html") as page:
        assert page.status == 200 and "script-src" not in page.headers["Content-Security-Policy"]
        assert "<svg" in await page.text()
    async with zhao.session.get(f"{zhao.base}{query}&court=chaoyang&format=xlsx") as sheet:
        assert sheet.headers["Content-Disposition"].endswith('weekly-chaoyang-20261130.xlsx"')
        assert (await sheet.read())[:2] == b"PK"  # a zip, as XLSX files are
