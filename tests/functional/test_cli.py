"""The `hotline` command as an admin runs it: exit codes and what it prints."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from config.loader import load_config
from tests.conftest import REPO

EXAMPLE = REPO / "config" / "examples" / "beijing.yaml"


def hotline(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotline", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
        timeout=60,
    )


def test_check_config_accepts_the_example_and_summarises_it() -> None:
    done = hotline("check-config", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    config = load_config(EXAMPLE)
    assert (len(config.platforms), len(config.seats)) == (23, 48), "Beijing's 23 courts"
    expected = (
        f"OK (23 platforms, 48 seats, {len(config.queues)} queues, "
        f"{len(config.prompts.items)} prompts)"
    )
    assert expected in done.stdout


def test_check_config_reports_every_error_as_file_line_col_and_fails(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("agent_queue: consultation", "agent_queue: nowhere")
    text = text.replace("platform: haidian,", "platform: atlantis,", 1)
    broken.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    queue_line = next(i for i, line in enumerate(lines, 1) if "agent_queue: nowhere" in line)
    seat_line = next(i for i, line in enumerate(lines, 1) if "platform: atlantis" in line)

    done = hotline("check-config", str(EXAMPLE), str(broken))

    assert done.returncode == 1
    assert f"{EXAMPLE}: OK" in done.stdout
    errors = done.stderr.splitlines()
    assert f"{broken}:{queue_line}:16: ivr.agent_queue: unknown queue 'nowhere'" in errors
    assert any(
        e.startswith(f"{broken}:{seat_line}:") and "unknown platform 'atlantis'" in e
        for e in errors
    )


def test_asterisk_config_renders_every_seat_with_auth_and_no_anonymous_access(
    tmp_path: Path,
) -> None:
    var = tmp_path / "var"
    assert (
        hotline("secrets", "init", "--config", str(EXAMPLE), "--var-dir", str(var)).returncode == 0
    )
    seat_secret = (var / "secrets" / "seat-chaoyang-01").read_text().strip()

    done = hotline(
        "asterisk-config",
        "--config",
        str(EXAMPLE),
        "--out",
        str(tmp_path / "etc"),
        "--var-dir",
        str(var),
    )

    assert done.returncode == 0, done.stderr
    pjsip = (tmp_path / "etc" / "pjsip.conf").read_text()
    assert pjsip.count("type = auth") == 48
    assert f"password = {seat_secret}" in pjsip
    assert "endpoint_identifier_order = ip,username" in pjsip
    assert "[anonymous]" not in pjsip
    assert seat_secret not in done.stdout + done.stderr
    assert oct((tmp_path / "etc" / "pjsip.conf").stat().st_mode & 0o777) == "0o640"


def test_asterisk_config_names_a_missing_secret_without_inventing_one(tmp_path: Path) -> None:
    done = hotline(
        "asterisk-config",
        "--config",
        str(EXAMPLE),
        "--out",
        str(tmp_path / "etc"),
        "--var-dir",
        str(tmp_path / "empty"),
    )
    assert done.returncode == 1
    assert "secret:ari" in done.stderr and "hotline secrets init" in done.stderr
    assert not (tmp_path / "empty" / "secrets").exists()


STATUS_TOKEN = "status-token"


def _with_api_token(tmp_path: Path) -> dict[str, str]:
    """The environment of an admin's shell on the controller's machine: its secrets dir."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "api").write_text(STATUS_TOKEN)
    return {**os.environ, "HOTLINE_SECRETS_DIR": str(secrets), "HOTLINE_CONFIG": str(EXAMPLE)}


def test_status_says_clearly_when_no_controller_answers(tmp_path: Path) -> None:
    done = hotline("status", "--url", "http://127.0.0.1:9", env=_with_api_token(tmp_path))
    assert done.returncode == 1
    assert "does not answer at http://127.0.0.1:9" in done.stderr


def test_status_prints_work_orders_awaiting_a_reply_and_undelivered_sms(tmp_path: Path) -> None:
    document = {
        "ari_connected": True,
        "config_errors": [],
        "calls": [],
        "waiting": [],
        "seats": [],
        "callbacks_today": None,
        "work_orders": {
            "dispatched": 3,
            "overdue": 1,
            "escalated": 1,
            "replied": 2,
            "sms_pending": 4,
            "sms_failed": 0,
        },
    }
    body = json.dumps(document).encode()
    seen_authorization: list[str | None] = []

    class Status(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen_authorization.append(self.headers.get("Authorization"))
            self.send_response(200 if self.path == "/api/status" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Status) as server:
        serving = threading.Thread(target=server.serve_forever, daemon=True)
        serving.start()
        try:
            done = hotline(
                "status",
                "--url",
                f"http://127.0.0.1:{server.server_address[1]}",
                env=_with_api_token(tmp_path),
            )
        finally:
            server.shutdown()
    assert done.returncode == 0, done.stderr
    assert seen_authorization == [f"Bearer {STATUS_TOKEN}"], "the status API needs the token"
    assert (
        "Work orders awaiting a reply: 3 (1 overdue, 1 escalated); replied, to close: 2;"
        " SMS waiting 4, failed 0"
    ) in done.stdout
