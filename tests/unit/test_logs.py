"""Logging: personal data (phone and ID numbers) masked, JSON lines with the bound call context."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from hotline.logs import configure_logging, mask_personal_data, mask_phone, mask_text


@pytest.fixture(autouse=True)
def _restore_structlog() -> Iterator[None]:
    yield
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        pytest.param("13812345678", "138****5678", id="mobile"),
        pytest.param(" 13812345678\n", "138****5678", id="mobile-with-whitespace"),
        pytest.param("+8613812345678", "+86*******5678", id="mobile-with-country-code"),
        pytest.param("01062345678", "010****5678", id="landline-with-area-code"),
        pytest.param("62345678", "623*5678", id="eight-digit-landline"),
        pytest.param("1234567", "12*****", id="seven-digits"),
        pytest.param("12368", "12***", id="short-service-number"),
        pytest.param("110", "11*", id="three-digits"),
        pytest.param("7", "7", id="one-digit"),
        pytest.param("", "", id="empty"),
    ],
)
def test_mask_phone_keeps_only_the_ends(number: str, masked: str) -> None:
    assert mask_phone(number) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        pytest.param("来电 13812345678 咨询", "来电 138****5678 咨询", id="mobile-in-text"),
        pytest.param("回拨13812345678。", "回拨138****5678。", id="mobile-next-to-chinese"),
        pytest.param(
            "a 13812345678, b 13987654321",
            "a 138****5678, b 139****4321",
            id="two-mobiles",
        ),
        pytest.param("tel:+8613812345678", "tel:+861******5678", id="country-code"),
        pytest.param(
            "身份证110105199001011234核实",
            "身份证110***********1234核实",
            id="id-number",
        ),
        pytest.param(
            "id 11010519900101123X ok",
            "id 110***********123X ok",
            id="id-number-ending-in-x",
        ),
        pytest.param(
            "id 110105199001011234 tel 13812345678",
            "id 110***********1234 tel 138****5678",
            id="id-and-mobile",
        ),
    ],
)
def test_mask_text_masks_id_and_phone_numbers_inside_free_text(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("拨打12368诉讼服务热线", id="hotline-number"),
        pytest.param("请按0转人工，分机8001", id="short-numbers"),
        pytest.param("(2024)京0105民初12345号", id="case-number"),
        pytest.param("2025-03-03T09:00:00.123456Z", id="timestamp"),
        pytest.param("seat high-01 call c1-seat2 attempt 3", id="ids"),
    ],
)
def test_mask_text_leaves_service_and_short_numbers_alone(text: str) -> None:
    assert mask_text(text) == text


def test_processor_masks_phone_keys_and_free_text_but_not_other_values() -> None:
    event: dict[str, Any] = {
        "event": "callback to 13912345678 failed",
        "caller": "13812345678",
        "callee": "01062345678",
        "number": "unknown",
        "phone": "",
        "dialed": "12368",
        "attempts": 13812345678,
        "timestamp": "2025-03-03T09:00:00.123456789Z",
    }

    result = mask_personal_data(None, "info", event)

    assert result == {
        "event": "callback to 139****5678 failed",
        "caller": "138****5678",
        "callee": "010****5678",
        "number": "unknown",
        "phone": "",
        "dialed": "12368",
        "attempts": 13812345678,
        "timestamp": "2025-03-03T09:00:00.123456789Z",
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param("call_id", "c0123456789abcdef", id="call-id-with-digit-run"),
        pytest.param("channel", "1741051801.42", id="asterisk-channel-id"),
        pytest.param("bridge", "c0123456789abcdef-bridge", id="bridge-id"),
        pytest.param("recording", "c0123456789abcdef", id="recording-name"),
    ],
)
def test_processor_leaves_identifiers_with_long_digit_runs_intact(key: str, value: str) -> None:
    assert mask_personal_data(None, "info", {"event": "x", key: value})[key] == value


def test_processor_masks_short_caller_numbers_under_phone_keys() -> None:
    result = mask_personal_data(None, "info", {"event": "call arrived", "caller": "8001"})

    assert result["caller"] == "80**"


def test_json_logging_writes_one_object_per_line_with_call_id_and_masked_caller(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json=True)
    log = structlog.get_logger("test")

    structlog.contextvars.bind_contextvars(call_id="c0123456789abcdef")
    log.info("call arrived", caller="13812345678", dialed="12368")
    log.warning("坐席未接听", seat="high-01")

    err = capsys.readouterr().err
    assert "13812345678" not in err
    lines = err.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["event"] == "call arrived"
    assert first["call_id"] == "c0123456789abcdef"
    assert first["caller"] == "138****5678"
    assert first["dialed"] == "12368"
    assert first["level"] == "info"
    assert first["timestamp"].endswith("Z")
    assert (second["event"], second["seat"], second["level"]) == (
        "坐席未接听",
        "high-01",
        "warning",
    )
    assert second["call_id"] == "c0123456789abcdef"
    assert "坐席未接听" in lines[1], "Chinese is written as is, not escaped"


def test_json_logging_drops_records_below_the_level(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True, level="warning")
    log = structlog.get_logger("test")

    log.info("not shown")
    log.error("shown")

    lines = capsys.readouterr().err.splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["shown"]


def test_console_logging_also_masks_the_caller(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=False)

    structlog.get_logger("test").info("call arrived", caller="13812345678")

    err = capsys.readouterr().err
    assert "138****5678" in err
    assert "13812345678" not in err


def test_call_ids_survive_masking_inside_free_text() -> None:
    from calls.model import new_call_id

    ids = [new_call_id() for _ in range(200)]
    assert len(set(ids)) == 200
    for call_id in ids:
        path = f"2026/11/24/{call_id}.wav"
        assert mask_text(path) == path
