"""Shared fixtures: a private PostgreSQL cluster for the whole run, a clean schema per test."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from xdist.scheduler import LoadGroupScheduling

from config.loader import load_config
from config.schema import HotlineConfig
from sandbox.postgres import LocalCluster

# The browser fixtures (Debian's Chromium through Playwright), for every test layer.
pytest_plugins = ["tests.browser"]

REPO = Path(__file__).resolve().parent.parent
TEST_CONFIG = REPO / "tests" / "data" / "hotline-test.yaml"


class IntegrationTogether(LoadGroupScheduling):
    """`--dist loadgroup` with every integration test in one group: they share one Asterisk on
    fixed ports, so they run in one worker, one after another, while the other workers take the
    unit and functional tests one at a time. Grouped here by path rather than by an `xdist_group`
    mark: pytest 9.2's node ids ignore the suffix xdist 3.8 appends for the mark (xdist #1386)."""

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith("tests/integration/"):
            return "integration"
        return super()._split_scope(nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadGroupScheduling | None:
    if config.getvalue("dist") != "loadgroup":
        return None
    return IntegrationTogether(config, log)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[LocalCluster]:
    # Under the project's var dir, not /tmp/pytest-of-root (0700): the server runs as 'postgres'.
    # One cluster per test run (own dir, free port), so two runs on one machine do not collide.
    base = REPO / "var" / "test-postgres" / str(os.getpid())
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    cluster = LocalCluster(base / "data", free_port())
    cluster.ensure()
    cluster.start()
    yield cluster
    cluster.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
async def database(postgres_cluster: LocalCluster) -> dict[str, Any]:
    """Connection parameters for a database whose schema is empty: migrations run for real."""
    params = dict(postgres_cluster.connect_params())
    connection = await asyncpg.connect(**params)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()
    return params


@pytest.fixture
def test_config() -> HotlineConfig:
    return load_config(TEST_CONFIG)
