"""`hotline simulate` as an admin runs it: a comparison, its JSON, and errors naming the option."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO

EXAMPLE = REPO / "config" / "examples" / "beijing.yaml"
RATES = REPO / "config" / "examples" / "beijing-rates.csv"


def simulate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotline", "simulate", "--config", str(EXAMPLE), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=120,
    )


def test_compare_prints_the_variants_side_by_side_with_every_platform() -> None:
    done = simulate(
        "--days", "1", "--rates", str(RATES),
        "--strategy", "least_busy", "--strategy", "longest_idle",
        "--pooling", "tiers", "--pooling", "none",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(line for line in lines if "least_busy/tiers" in line and "/none" in line)
    assert header.split() == [
        "least_busy/tiers",
        "least_busy/none",
        "longest_idle/tiers",
        "longest_idle/none",
    ]
    assert any(line.startswith("answered in 20 s") for line in lines)
    assert any(line.startswith("chaoyang ") for line in lines)
    assert any(line.startswith("all ") for line in lines)
    assert "over every offered call" in done.stdout, "the denominator is said"
    assert "4 run(s) simulated" in done.stderr


def test_json_holds_every_platform_of_every_variant() -> None:
    done = simulate("--days", "1", "--pooling", "tiers", "--pooling", "all", "--json")

    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert [run["variant"] for run in document] == ["configured/tiers", "configured/all"]
    platforms = [row["platform"] for row in document[0]["platforms"]]
    assert platforms[0] == "high" and platforms[-1] == "all" and len(platforms) == 24
    tiered, pooled = (run["platforms"][-1] for run in document)
    assert tiered["offered"] == pooled["offered"]
    assert pooled["service_level"] > tiered["service_level"]


def test_a_bad_option_is_named_and_nothing_runs() -> None:
    done = simulate("--share", "atlantis=3")

    assert done.returncode == 2
    assert done.stderr.startswith("hotline simulate: --share: unknown name 'atlantis'")
    assert done.stdout == ""


def test_a_bad_rates_file_lists_every_problem_by_line(tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("court,hour,calls_per_hour\nhigh,*,ten\natlantis,*,3\n", encoding="utf-8")

    done = simulate("--rates", str(rates))

    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{rates}:2: calls_per_hour: must be a number >= 0, not 'ten'",
        f"{rates}:3: court: unknown platform 'atlantis'",
    ]


def test_an_unknown_strategy_is_refused_by_the_parser() -> None:
    done = simulate("--strategy", "fastest")

    assert done.returncode == 2
    assert "--strategy: invalid choice: 'fastest'" in done.stderr


def changed_copy(tmp_path: Path, **consultation: Any) -> Path:
    """The example YAML with settings of its consultation queue replaced."""
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    queue = next(q for q in document["queues"] if q["id"] == "consultation")
    queue.update(consultation)
    changed = tmp_path / "proposed.yaml"
    changed.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return changed


def test_a_changed_copy_of_the_yaml_is_compared_with_the_current_one(tmp_path: Path) -> None:
    tiers = [{"after_s": 0, "platforms": ["home"]}, {"after_s": 5, "platforms": ["all"]}]
    proposed = changed_copy(tmp_path, tiers=tiers)

    done = simulate("--days", "1", "--against", str(proposed), "--json")

    assert done.returncode == 0, done.stderr
    current, changed = json.loads(done.stdout)
    assert (current["variant"], changed["variant"]) == ("current", "proposed")
    assert changed["platforms"][-1]["offered"] == current["platforms"][-1]["offered"]
    assert changed["platforms"][-1]["service_level"] > current["platforms"][-1]["service_level"]


def test_a_broken_changed_copy_is_reported_like_check_config(tmp_path: Path) -> None:
    broken = changed_copy(tmp_path, strategy="fastest")

    done = simulate("--against", str(broken))

    assert done.returncode == 1
    assert done.stderr.startswith(f"{broken}:")
    assert ".strategy" in done.stderr
