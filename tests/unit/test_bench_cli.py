"""The benchmark's options: call rates and systems as written on the command line."""

from __future__ import annotations

import pytest

from bench.cli import build_parser
from bench.results import System


@pytest.mark.parametrize(
    ("argv", "rates", "systems"),
    [
        pytest.param(
            [],
            (10, 20, 35, 50, 65, 80),
            (System.HOTLINE, System.QUEUE, System.MINIMAL),
            id="defaults",
        ),
        pytest.param(
            ["--rates", "35,10,10", "--systems", "queue"], (10, 35), (System.QUEUE,), id="given"
        ),
        pytest.param(
            ["--rates", "5,"],
            (5,),
            (System.HOTLINE, System.QUEUE, System.MINIMAL),
            id="trailing-comma",
        ),
    ],
)
def test_rates_and_systems(
    argv: list[str], rates: tuple[int, ...], systems: tuple[System, ...]
) -> None:
    args = build_parser().parse_args(argv)
    assert (args.rates, args.systems) == (rates, systems)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--rates", "ten"], id="not-a-number"),
        pytest.param(["--rates", "0,10"], id="zero-rate"),
        pytest.param(["--rates", "1000"], id="too-high"),
        pytest.param(["--rates", ","], id="empty"),
        pytest.param(["--systems", "hotline,freeswitch"], id="unknown-system"),
    ],
)
def test_bad_options_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv)
    assert "error" in capsys.readouterr().err
