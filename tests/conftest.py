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

from config.loader import load_config
from config.schema import HotlineConfig
from sandbox.postgres import LocalCluster

REPO = Path(__file__).resolve().parent.parent
TEST_CONFIG = REPO / "tests" / "data" / "hotline-test.yaml"


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
