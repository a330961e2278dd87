"""`hotline user …` and `hotline audit` as an admin runs them, against the test database."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest

from hotline.cli import main
from store.database import create_pool, migrate
from tests.conftest import REPO
from tests.support import fetch

EXAMPLE = REPO / "config" / "examples" / "beijing.yaml"


def hotline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main([*argv, "--config", str(EXAMPLE), "--var-dir", str(tmp_path / "var")])


def test_an_admin_adds_lists_changes_and_disables_accounts(
    database: dict[str, Any],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add = ["user", "add", "zhangsan", "--role", "agent", "--name", "张三", "--platform", "chaoyang"]
    code = hotline(tmp_path, monkeypatch, *add, "--password-stdin", stdin="zhang-pass-2026\n")
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out == "zhangsan: 话务员, created\n"
    [row] = asyncio.run(fetch(database, "SELECT password_hash, seats FROM console_users"))
    assert (
        row["password_hash"].startswith("$argon2id$") and "zhang-pass" not in row["password_hash"]
    )

    code = hotline(tmp_path, monkeypatch, *add, "--password-stdin", stdin="zhang-pass-2026\n")
    assert code == 1 and "username: 'zhangsan' is taken" in capsys.readouterr().err

    code = hotline(
        tmp_path, monkeypatch, "user", "set", "zhangsan", "--seats", "chaoyang-01", "--disable"
    )
    assert code == 0, capsys.readouterr().err
    assert hotline(tmp_path, monkeypatch, "user", "list") == 0
    listed = capsys.readouterr().out
    assert "zhangsan" in listed and "chaoyang-01" in listed and "disabled" in listed


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["--role", "agent", "--name", "李四"], "long-enough-1\n", "platform: an agent belongs"),
        (
            ["--role", "agent", "--name", "李四", "--platform", "narnia"],
            "long-enough-1\n",
            "platform: no platform 'narnia'",
        ),
        (["--role", "admin", "--name", "李四"], "short1\n", "password: must be 10 to 128"),
        (["--role", "admin", "--name", "李四"], "onlyletterslong\n", "password: must mix"),
    ],
)
def test_bad_accounts_are_refused_naming_the_field(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    code = hotline(
        tmp_path, monkeypatch, "user", "add", "lisi", *argv, "--password-stdin", stdin=stdin
    )
    err = capsys.readouterr().err
    assert code == 1 and message in err, err
    assert stdin.strip() not in err, "the password is never echoed"


def test_the_audit_log_lists_sign_in_failures(
    database: dict[str, Any],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def record() -> None:
        pool = await create_pool(database, max_size=1)
        try:
            await migrate(pool)
            await pool.execute(
                "INSERT INTO audit_log (at, actor, action, target, client)"
                " VALUES (now(), '-', 'login-failed', 'zhangsan', '10.1.2.3')"
            )
        finally:
            await pool.close()

    asyncio.run(record())
    assert hotline(tmp_path, monkeypatch, "audit", "--action", "login-failed") == 0
    out = capsys.readouterr().out
    assert "login-failed" in out and "zhangsan" in out and "10.1.2.3" in out


def test_the_knowledge_base_is_imported_from_the_example_and_again_changes_nothing(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    knowledge = REPO / "config" / "examples" / "knowledge.yaml"
    assert hotline(tmp_path, monkeypatch, "import", "knowledge", str(knowledge)) == 0
    first = capsys.readouterr()
    assert first.err == "" and "16 entries created, 0 updated, 0 unchanged; 0 rejected" in first.out
    assert hotline(tmp_path, monkeypatch, "import", "knowledge", str(knowledge)) == 0
    assert "0 entries created, 0 updated, 16 unchanged" in capsys.readouterr().out
    broken = tmp_path / "broken.yaml"
    broken.write_text("entries:\n  - question: 只有问题\n", encoding="utf-8")
    assert hotline(tmp_path, monkeypatch, "import", "knowledge", str(broken)) == 1
    assert f"{broken}:2" in capsys.readouterr().err
