"""Contract of our ARI client with the swagger specs Asterisk 22 ships: operations and models.

The specs are read from the Asterisk root the sandbox builds (never copied into the repo). If they
are missing the test fails: a contract that silently stops being checked is worse than none.
"""

from __future__ import annotations

import json
import os
import types
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from ari import events, models
from ari.client import OPERATIONS, Operation

SPEC_DIR = (
    Path(os.environ.get("HOTLINE_ASTERISK_ROOT", "/var/cache/hotline/asterisk-root"))
    / "usr/share/asterisk/rest-api"
)

# Our class name -> the swagger model it reads, where the two names differ or the class is shared.
SPEC_NAME_OF: dict[type[BaseModel], str] = {
    models.CallerId: "CallerID",
}

RESOURCE_MODELS: list[type[BaseModel]] = [
    models.CallerId,
    models.DialplanCEP,
    models.Channel,
    models.Bridge,
    models.Playback,
    models.LiveRecording,
    models.Endpoint,
    models.DeviceState,
    models.Application,
    models.SystemInfo,
    models.BuildInfo,
    models.StatusInfo,
    models.AsteriskInfo,
    models.Variable,
]

EVENT_MODELS: list[type[BaseModel]] = list(events.EVENT_MODELS.values())


@dataclass(frozen=True)
class Specs:
    operations: dict[tuple[str, str], dict[str, dict[str, Any]]]
    """(HTTP method, path) -> parameter name -> swagger parameter."""
    models: dict[str, dict[str, Any]]
    """Model id -> swagger model, with the properties of its ancestors merged in."""


def load_specs(spec_dir: Path) -> Specs:
    if not spec_dir.is_dir():
        pytest.fail(
            f"Asterisk's ARI specs are not at {spec_dir}. Build the Asterisk root first (see "
            "FIELD-NOTES: mmdebstrap sid with asterisk) or point HOTLINE_ASTERISK_ROOT at it.",
            pytrace=False,
        )
    operations: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    raw_models: dict[str, dict[str, Any]] = {}
    for spec_file in sorted(spec_dir.glob("*.json")):
        spec = json.loads(spec_file.read_text())
        for api in spec.get("apis", []):
            for operation in api.get("operations", []):
                key = (operation["httpMethod"], api["path"])
                operations[key] = {p["name"]: p for p in operation.get("parameters", [])}
        raw_models.update(spec.get("models", {}))
    if not operations or not raw_models:
        pytest.fail(f"No ARI operations or models found in {spec_dir}", pytrace=False)

    parent_of = {
        child: name for name, model in raw_models.items() for child in model.get("subTypes", [])
    }
    merged: dict[str, dict[str, Any]] = {}
    for name, model in raw_models.items():
        properties: dict[str, Any] = {}
        lineage = [name]
        while lineage[-1] in parent_of:
            lineage.append(parent_of[lineage[-1]])
        for ancestor in reversed(lineage):
            properties.update(raw_models[ancestor]["properties"])
        merged[name] = {**model, "properties": properties}
    return Specs(operations, merged)


# --- the checkers (pure; also tested below against made-up mistakes) ---


def check_operation(key: str, operation: Operation, specs: Specs) -> list[str]:
    spec_params = specs.operations.get((operation.method, operation.path))
    if spec_params is None:
        return [f"{key}: {operation.method} {operation.path} is not an ARI operation"]
    problems = []
    declared_path = {n for n, p in spec_params.items() if p["paramType"] == "path"}
    if operation.path_params != declared_path:
        problems.append(
            f"{key}: path parameters {sorted(operation.path_params)} differ from the spec's "
            f"{sorted(declared_path)}"
        )
    for name in sorted(operation.query):
        spec_param = spec_params.get(name)
        if spec_param is None or spec_param["paramType"] != "query":
            problems.append(f"{key}: query parameter {name!r} is not declared by the spec")
    if operation.body and not any(p["paramType"] == "body" for p in spec_params.values()):
        problems.append(f"{key}: sends a JSON body the spec does not accept")
    for name, spec_param in spec_params.items():
        if (
            spec_param["paramType"] == "query"
            and spec_param.get("required")
            and name not in operation.query
        ):
            problems.append(f"{key}: required query parameter {name!r} is never sent")
    return problems


def spec_name(model: type[BaseModel]) -> str:
    return SPEC_NAME_OF.get(model, model.__name__)


def spec_type_of(annotation: Any) -> set[str]:
    """The swagger type names a Python annotation can stand for."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return spec_type_of(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        options: set[str] = set()
        for arg in get_args(annotation):
            if arg is not type(None):
                options |= spec_type_of(arg)
        # `SomeEnum | str` reads a plain string with known values.
        return {"string"} if "string" in options else options
    if origin is Literal:
        return {"string"}
    if origin is list:
        return {f"List[{inner}]" for inner in spec_type_of(get_args(annotation)[0])}
    if origin is dict:
        return {"object"}
    if isinstance(annotation, type):
        if issubclass(annotation, StrEnum) or annotation is str:
            return {"string"}
        if annotation is bool:
            return {"boolean"}
        if annotation is int:
            return {"int", "long"}
        if annotation is float:
            return {"double"}
        if annotation is datetime:
            return {"Date"}
        if issubclass(annotation, BaseModel):
            return {spec_name(annotation)}
    raise AssertionError(f"no swagger type known for {annotation!r}")


def enums_in(annotation: Any) -> list[type[StrEnum]]:
    found: list[type[StrEnum]] = []
    for arg in get_args(annotation) or (annotation,):
        if isinstance(arg, type) and issubclass(arg, StrEnum):
            found.append(arg)
        elif get_args(arg):
            found.extend(enums_in(arg))
    return found


def check_model(model: type[BaseModel], specs: Specs) -> list[str]:
    name = spec_name(model)
    spec_model = specs.models.get(name)
    if spec_model is None:
        return [f"{model.__name__}: no model {name!r} in the specs"]
    properties = spec_model["properties"]
    problems = []
    for field_name, field in model.model_fields.items():
        wire_name = field.alias or field_name
        where = f"{model.__name__}.{wire_name}"
        prop = properties.get(wire_name)
        if prop is None:
            problems.append(f"{where}: not a property of {name}")
            continue
        if prop["type"] not in spec_type_of(field.annotation):
            problems.append(f"{where}: typed {field.annotation!r}, spec says {prop['type']}")
        if field.is_required() and not prop.get("required", False):
            problems.append(f"{where}: required here but optional in {name}")
        allowed = set(prop.get("allowableValues", {}).get("values", []))
        for enum in enums_in(field.annotation):
            extra = {member.value for member in enum} - allowed
            if extra:
                problems.append(f"{where}: {enum.__name__} has values the spec lacks: {extra}")
    return problems


# --- the contract ---


@pytest.fixture(scope="module")
def specs() -> Specs:
    return load_specs(SPEC_DIR)


def test_specs_are_asterisk_22s(specs: Specs) -> None:
    assert ("GET", "/events") in specs.operations
    assert "StasisStart" in specs.models


@pytest.mark.parametrize("key", sorted(OPERATIONS))
def test_every_client_operation_is_declared_by_asterisk(key: str, specs: Specs) -> None:
    assert check_operation(key, OPERATIONS[key], specs) == []


@pytest.mark.parametrize("model", RESOURCE_MODELS, ids=lambda m: m.__name__)
def test_every_resource_model_field_exists_in_the_spec(
    model: type[BaseModel], specs: Specs
) -> None:
    assert check_model(model, specs) == []


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.__name__)
def test_every_event_model_field_exists_in_the_spec(model: type[BaseModel], specs: Specs) -> None:
    assert check_model(model, specs) == []


def test_every_modelled_event_type_is_an_asterisk_event(specs: Specs) -> None:
    event_types = set(specs.models["Event"]["subTypes"])

    assert set(events.EVENT_MODELS) <= event_types


def test_nested_models_used_by_fields_are_all_checked() -> None:
    checked = set(RESOURCE_MODELS) | set(EVENT_MODELS)
    nested = {
        arg
        for model in checked
        for field in model.model_fields.values()
        for arg in _classes_in(field.annotation)
        if issubclass(arg, BaseModel)
    }

    assert nested <= checked


def _classes_in(annotation: Any) -> list[type]:
    args = get_args(annotation)
    if not args:
        return [annotation] if isinstance(annotation, type) else []
    return [cls for arg in args for cls in _classes_in(arg)]


# --- the checkers catch mistakes ---


def test_checker_reports_unknown_path_wrong_method_and_undeclared_query(specs: Specs) -> None:
    assert check_operation("x", Operation("GET", "/channels/{id}/answer"), specs) == [
        "x: GET /channels/{id}/answer is not an ARI operation"
    ]
    assert check_operation("x", Operation("PATCH", "/channels"), specs) == [
        "x: PATCH /channels is not an ARI operation"
    ]
    assert check_operation(
        "x", Operation("POST", "/channels/{channelId}/answer", frozenset({"bogus"})), specs
    ) == ["x: query parameter 'bogus' is not declared by the spec"]


def test_checker_reports_a_path_parameter_used_as_query_and_an_unwanted_body(
    specs: Specs,
) -> None:
    problems = check_operation(
        "x",
        Operation("POST", "/channels/{channelId}/answer", frozenset({"channelId"}), body=True),
        specs,
    )

    assert problems == [
        "x: query parameter 'channelId' is not declared by the spec",
        "x: sends a JSON body the spec does not accept",
    ]


def test_checker_reports_a_required_query_parameter_never_sent(specs: Specs) -> None:
    problems = check_operation(
        "x", Operation("POST", "/channels/{channelId}/variable", frozenset({"value"})), specs
    )

    assert problems == ["x: required query parameter 'variable' is never sent"]


class MadeUpChannel(BaseModel):
    id: int
    colour: str
    channelvars: dict[str, str]


class Wrong(StrEnum):
    UP = "Up"
    FLYING = "Flying"


class MadeUpChannelWithEnum(BaseModel):
    state: Wrong | str


def test_checker_reports_unknown_mistyped_and_wrongly_required_fields(specs: Specs) -> None:
    SPEC_NAME_OF[MadeUpChannel] = "Channel"
    SPEC_NAME_OF[MadeUpChannelWithEnum] = "Channel"
    try:
        problems = check_model(MadeUpChannel, specs)
        enum_problems = check_model(MadeUpChannelWithEnum, specs)
    finally:
        del SPEC_NAME_OF[MadeUpChannel]
        del SPEC_NAME_OF[MadeUpChannelWithEnum]

    assert problems == [
        "MadeUpChannel.id: typed <class 'int'>, spec says string",
        "MadeUpChannel.colour: not a property of Channel",
        "MadeUpChannel.channelvars: required here but optional in Channel",
    ]
    assert enum_problems == [
        "MadeUpChannelWithEnum.state: Wrong has values the spec lacks: {'Flying'}"
    ]


def test_checker_reports_a_model_missing_from_the_specs(specs: Specs) -> None:
    class Seat(BaseModel):
        id: str

    assert check_model(Seat, specs) == ["Seat: no model 'Seat' in the specs"]


def test_missing_spec_directory_fails_instead_of_skipping(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="HOTLINE_ASTERISK_ROOT"):
        load_specs(tmp_path / "nowhere")
