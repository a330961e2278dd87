"""Shared fixtures: a private PostgreSQL cluster for the whole run, a clean schema per test."""

from __future__ import annotations

import shutil
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
POSTGRES_PORT = 54369


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[LocalCluster]:
    # Under the project's var dir, not /tmp/pytest-of-root (0700): the server runs as 'postgres'.
    base = REPO / "var" / "test-postgres"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    cluster = LocalCluster(base / "data", POSTGRES_PORT)
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
