"""Load and fully validate a hotline YAML file, reporting every problem as file:line:col."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pydantic import ValidationError

from config.schema import HotlineConfig
from config.yaml_positions import (
    ConfigError,
    ConfigIssue,
    Location,
    PositionedDocument,
    load_positioned,
)
from ivr.model import MessageNode, UrgentContactNode
from routing.policy import SELECTORS


async def load_config_apart(path: Path) -> HotlineConfig:
    """`load_config` in a process of its own, for a running switch. Validating a court's config
    holds the GIL for tens of milliseconds at a time (pydantic-core), and on a busy machine a
    worker thread doing it can keep the event loop from Asterisk's events past their timeout."""
    loop = asyncio.get_running_loop()
    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return await loop.run_in_executor(executor, load_config, path)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def load_config(path: Path) -> HotlineConfig:
    document = load_positioned(path)
    if not isinstance(document.data, dict):
        raise ConfigError(
            [ConfigIssue(document.position_of(()), "the top level must be a mapping")]
        )
    try:
        config = HotlineConfig.model_validate(document.data)
    except ValidationError as exc:
        raise ConfigError(_issues_from_validation(document, exc)) from exc
    issues = [
        ConfigIssue(document.position_of(location), f"{_dotted(location)}: {message}")
        for location, message in _cross_reference_problems(config)
    ]
    if issues:
        raise ConfigError(issues)
    return config


def _issues_from_validation(
    document: PositionedDocument, exc: ValidationError
) -> list[ConfigIssue]:
    issues = []
    for error in exc.errors(include_url=False):
        location: Location = tuple(error["loc"])
        dotted = _dotted(location)
        if error["type"] == "extra_forbidden":
            position = document.position_of(location, key=True)
            message = f"{dotted}: unknown setting (check the spelling)"
        elif location[-1:] == ("[key]",):
            # A mapping key itself is invalid (e.g. a prompt name): point at the key, not its value.
            position = document.position_of(location[:-1], key=True)
            text = error["msg"].removeprefix("Value error, ")
            message = f"{_dotted(location[:-1])}: {text}"
        elif error["type"] == "missing":
            position = document.position_of(location[:-1])
            message = f"{dotted}: required setting is missing"
        else:
            position = document.position_of(location)
            text = error["msg"].removeprefix("Value error, ")
            message = f"{dotted}: {text}"
        issues.append(ConfigIssue(position, message))
    return sorted(issues, key=lambda issue: (issue.position.line, issue.position.column))


def _dotted(location: Location) -> str:
    parts = []
    for part in location:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts) or "(top level)"


def _duplicates(kind: str, section: str, ids: list[str]) -> Iterator[tuple[Location, str]]:
    counts = Counter(ids)
    seen: set[str] = set()
    for index, value in enumerate(ids):
        if counts[value] > 1 and value in seen:
            yield (section, index, "id"), f"{kind} id {value!r} is used more than once"
        seen.add(value)


PROMPT_FIELDS = (
    "prompt",
    "code_prompt",
    "password_prompt",
    "wrong_prompt",
    "agent_prompt",
    "thanks",
)


def _ivr_problems(
    config: HotlineConfig, prompts: set[str], queues: set[str]
) -> Iterator[tuple[Location, str]]:
    ivr = config.ivr
    nodes = set(ivr.nodes)
    for field in ("invalid", "goodbye"):
        if getattr(ivr, field) not in prompts:
            yield ("ivr", field), f"unknown prompt {getattr(ivr, field)!r}"
    if ivr.agent_queue not in queues:
        yield ("ivr", "agent_queue"), f"unknown queue {ivr.agent_queue!r}"
    if ivr.after_hours is not None and ivr.after_hours not in nodes:
        yield ("ivr", "after_hours"), f"unknown node {ivr.after_hours!r}"
    if ivr.start not in nodes:
        yield ("ivr", "start"), f"unknown node {ivr.start!r}"
    if ivr.agent_key is not None and ivr.agent_key == ivr.back_key:
        yield ("ivr", "back_key"), "must differ from agent_key"
    if ivr.survey is not None:
        for field in ("prompt", "thanks"):
            if getattr(ivr.survey, field) not in prompts:
                yield ("ivr", "survey", field), f"unknown prompt {getattr(ivr.survey, field)!r}"
    for node_id, node in ivr.nodes.items():
        where: Location = ("ivr", "nodes", node_id)
        for field in PROMPT_FIELDS:
            name = getattr(node, field, None)
            if name is not None and name not in prompts:
                yield (*where, field), f"unknown prompt {name!r}"
        for index, name in enumerate(getattr(node, "prompts", [])):
            if name not in prompts:
                yield (*where, "prompts", index), f"unknown prompt {name!r}"
        for field in ("next", "unverified", "refused"):
            target = getattr(node, field, None)
            if target is not None and target not in nodes:
                yield (*where, field), f"unknown node {target!r}"
        for field in ("queue", "agent_queue"):
            queue = getattr(node, field, None)
            if queue is not None and queue not in queues:
                yield (*where, field), f"unknown queue {queue!r}"
        for key, target in getattr(node, "choices", {}).items():
            if target not in nodes:
                yield (*where, "choices", key), f"unknown node {target!r}"


def _queue_problems(
    config: HotlineConfig, index: int, prompts: set[str], platforms: set[str]
) -> Iterator[tuple[Location, str]]:
    queue = config.queues[index]
    where: Location = ("queues", index)
    if queue.hold_prompt not in prompts:
        yield (*where, "hold_prompt"), f"unknown prompt {queue.hold_prompt!r}"
    if queue.callback_prompt is not None and queue.callback_prompt not in prompts:
        yield (*where, "callback_prompt"), f"unknown prompt {queue.callback_prompt!r}"
    for tier_index, tier in enumerate(queue.tiers):
        for platform_index, platform in enumerate(tier.platforms):
            if platform not in platforms and platform not in SELECTORS:
                yield (
                    (*where, "tiers", tier_index, "platforms", platform_index),
                    (f"unknown platform {platform!r} (or use one of {sorted(SELECTORS)})"),
                )
    offer = queue.max_wait_offer
    if offer is not None:
        if offer.prompt not in prompts:
            yield (*where, "max_wait_offer", "prompt"), f"unknown prompt {offer.prompt!r}"
        node = config.ivr.nodes.get(offer.message_node) if offer.message_node else None
        if offer.message_node is not None and not isinstance(node, MessageNode):
            yield (
                (*where, "max_wait_offer", "message_node"),
                (f"{offer.message_node!r} is not a message node of the IVR"),
            )
        if offer.message_key is not None and offer.message_node is None:
            yield (*where, "max_wait_offer", "message_node"), "message_key needs a message_node"
        if offer.message_key is not None and offer.message_key == offer.callback_key:
            yield (*where, "max_wait_offer", "callback_key"), "must differ from message_key"


def _number_problems(config: HotlineConfig) -> Iterator[tuple[Location, str]]:
    seen = set(config.hotline.numbers)
    for index, platform in enumerate(config.platforms):
        for number_index, number in enumerate(platform.numbers):
            if number in seen:
                yield (
                    ("platforms", index, "numbers", number_index),
                    (f"number {number!r} is used more than once"),
                )
            seen.add(number)


def _urgent_problems(config: HotlineConfig, prompts: set[str]) -> Iterator[tuple[Location, str]]:
    urgent = config.urgent
    if urgent is not None:
        for field in ("hold_prompt", "unreached_prompt"):
            if getattr(urgent, field) not in prompts:
                yield ("urgent", field), f"unknown prompt {getattr(urgent, field)!r}"
        if not any(carrier.outbound for carrier in config.asterisk.carriers):
            yield ("urgent",), "needs a carrier with `outbound` to ring the judge through"
        return
    for node_id, node in config.ivr.nodes.items():
        if isinstance(node, UrgentContactNode):
            yield ("ivr", "nodes", node_id, "type"), "urgent_contact needs an `urgent:` section"


def _cross_reference_problems(config: HotlineConfig) -> Iterator[tuple[Location, str]]:
    yield from _duplicates("platform", "platforms", [p.id for p in config.platforms])
    yield from _duplicates("seat", "seats", [s.id for s in config.seats])
    yield from _duplicates("queue", "queues", [q.id for q in config.queues])
    hq = [index for index, p in enumerate(config.platforms) if p.kind == "hq"]
    if len(hq) != 1:
        yield ("platforms",), f"exactly one platform must be kind 'hq' (found {len(hq)})"
    platforms = {p.id for p in config.platforms}
    prompts = set(config.prompts.items)
    queues = {q.id for q in config.queues}
    for index, seat in enumerate(config.seats):
        if seat.platform not in platforms:
            yield ("seats", index, "platform"), f"unknown platform {seat.platform!r}"
    for index in range(len(config.queues)):
        yield from _queue_problems(config, index, prompts, platforms)
    yield from _number_problems(config)
    codes = Counter(
        getattr(config.agents, f"{name}_code") for name in ("login", "logout", "pause", "resume")
    )
    for name in ("login", "logout", "pause", "resume"):
        code = getattr(config.agents, f"{name}_code")
        if codes[code] > 1:
            yield ("agents", f"{name}_code"), f"feature code {code!r} is used more than once"
    yield from _ivr_problems(config, prompts, queues)
    yield from _urgent_problems(config, prompts)
    for platform_id in config.hours.platform_hours:
        if platform_id not in platforms:
            yield ("hours", "platform_hours", platform_id), f"unknown platform {platform_id!r}"
    seat_ids_lower = Counter(seat.id.lower() for seat in config.seats)
    for index, seat in enumerate(config.seats):
        if seat_ids_lower[seat.id.lower()] > 1 and seat.id.lower() != seat.id:
            yield ("seats", index, "id"), f"seat id {seat.id!r} differs from another only by case"
