"""`GET /metrics` on the running controller: what Prometheus scrapes, with the API token."""

from __future__ import annotations

import aiohttp

from tests.functional.call_harness import API_TOKEN, Stack, connect_call


async def scrape(stack: Stack, token: str | None = API_TOKEN) -> tuple[int, str, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.get(f"{stack.hotline.status_url}/metrics") as reply,
    ):
        return reply.status, reply.headers.get("Content-Type", ""), await reply.text()


async def test_metrics_follow_a_call_and_need_the_token(stack: Stack) -> None:
    status, content_type, text = await scrape(stack)
    assert status == 200 and content_type.startswith("text/plain")
    assert 'hotline_calls_in_progress{state="connected"} 0' in text
    assert "hotline_ari_connected 1" in text
    assert "hotline_sms_outbox_backlog 0" in text

    await connect_call(stack)
    _, _, text = await scrape(stack)
    assert 'hotline_calls_in_progress{state="connected"} 1' in text
    assert 'hotline_seats{state="talking"} 1' in text
    assert 'hotline_seats_by_status{status="available"}' in text

    assert (await scrape(stack, token=None))[0] == 401
    assert (await scrape(stack, token="wrong"))[0] == 401
