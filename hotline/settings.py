"""What each service needs from the YAML, derived once per config version (and on reload).

The composition root (hotline/app.py) wires services to these; `simulate` reuses the routing part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agents.board import SeatBoard
from agents.model import AgentStatus
from agents.policy import FeatureCodes
from callbacks.service import CallbackSettings
from calls.consult import ConsultSettings
from calls.model import MaxWaitChoice, QueuePolicy
from calls.service import CallSettings
from config.schema import HotlineConfig, PlatformKind
from ivr.prompts import media_uri
from ivr.state import IvrProgram
from quality.dialer import DialSettings
from recordings.policy import Retention
from routing.policy import QueueRouting, Tier
from urgent.service import UrgentSettings


@dataclass(frozen=True)
class Locations:
    """Where files live, as this process sees them and as Asterisk sees them."""

    prompts_dir: Path
    prompts_asterisk_dir: str
    recordings_spool_dir: Path
    recordings_store_dir: Path


def _max_wait_choice(config: HotlineConfig, queue_id: str) -> MaxWaitChoice | None:
    offer = config.queue(queue_id).max_wait_offer
    if offer is None:
        return None
    return MaxWaitChoice(
        prompt=offer.prompt,
        message_key=offer.message_key,
        message_node=offer.message_node,
        callback_key=offer.callback_key,
        timeout_s=offer.timeout_s,
    )


def call_settings(config: HotlineConfig, locations: Locations) -> CallSettings:
    queues = {
        queue.id: QueuePolicy(
            queue_id=queue.id,
            skill=queue.skill.value,
            hold_prompt=queue.hold_prompt,
            ring_timeout_s=queue.ring_timeout_s,
            wrap_up_s=queue.wrap_up_s,
            max_wait_s=queue.max_wait_s,
            priority=queue.priority,
            announce_every_s=queue.announce_every_s,
            callback_key=queue.callback_key,
            callback_prompt=queue.callback_prompt,
            max_wait_choice=_max_wait_choice(config, queue.id),
            abandoned_callback_after_s=config.agents.abandoned_callback_after_s,
        )
        for queue in config.queues
    }
    asterisk_dir = locations.prompts_asterisk_dir
    texts = {prompt_id: prompt.text for prompt_id, prompt in config.prompts.items.items()}

    def missing_prompt_text(prompt_id: str) -> str | None:
        if (locations.prompts_dir / f"{prompt_id}.wav").is_file():
            return None
        return texts.get(prompt_id, "")

    return CallSettings(
        menu=IvrProgram.from_config(config.ivr),
        queues=queues,
        prompt_media=lambda prompt_id: media_uri(asterisk_dir, prompt_id),
        missing_prompt_text=missing_prompt_text,
        caller_id_name=config.hotline.numbers[0],
        home_platforms={
            number: platform.id for platform in config.platforms for number in platform.numbers
        },
        hq_platform=hq_platform(config),
        carrier=config.asterisk.outbound_carrier,
    )


def callback_settings(config: HotlineConfig) -> CallbackSettings:
    carrier = config.asterisk.outbound_carrier
    agents = config.agents
    return CallbackSettings(
        carrier=carrier,
        caller_id=config.hotline.numbers[0],
        citizen_ring_s=agents.callback_ring_s,
        attempts=agents.callback_attempts,
        retry_s=agents.callback_retry_s,
        queues={queue.id: (queue.ring_timeout_s, queue.wrap_up_s) for queue in config.queues},
    )


def follow_up_dial_settings(config: HotlineConfig) -> DialSettings:
    carrier = config.asterisk.outbound_carrier
    return DialSettings(carrier, config.hotline.numbers[0], config.agents.callback_ring_s)


def retention_settings(
    config: HotlineConfig,
) -> tuple[Retention, Callable[[str], str | None]]:
    """How long recordings are kept, and the skill (the retention category) of each queue."""
    skills = {queue.id: queue.skill.value for queue in config.queues}
    return config.recordings.retention.retention(), skills.get


def consult_settings(config: HotlineConfig) -> ConsultSettings:
    return ConsultSettings(
        judges=tuple(config.transfer.consulting_judges),
        judge_ring_s=config.transfer.judge_ring_s,
        queues={queue.id: (queue.name, queue.ring_timeout_s) for queue in config.queues},
    )


def urgent_settings(config: HotlineConfig) -> UrgentSettings:
    carrier = config.asterisk.outbound_carrier
    return UrgentSettings(config.urgent, carrier, config.hotline.numbers[0])


def queue_routing(config: HotlineConfig) -> dict[str, QueueRouting]:
    return {
        queue.id: QueueRouting(
            queue.id,
            queue.skill.value,
            queue.strategy,
            tuple(Tier(tier.after_s, frozenset(tier.platforms)) for tier in queue.tiers),
        )
        for queue in config.queues
    }


def platform_kinds(config: HotlineConfig) -> dict[str, PlatformKind]:
    return {platform.id: platform.kind for platform in config.platforms}


def configure_board(board: SeatBoard, config: HotlineConfig) -> None:
    board.initial_status = AgentStatus(config.agents.initial_status)
    board.max_no_answers = config.agents.max_no_answers
    board.pause_reasons = frozenset(config.agents.pause_reasons)


def feature_codes(config: HotlineConfig) -> FeatureCodes:
    agents = config.agents
    return FeatureCodes(
        agents.login_code, agents.logout_code, agents.pause_code, agents.resume_code
    )


def hq_platform(config: HotlineConfig) -> str:
    return next(p.id for p in config.platforms if p.kind is PlatformKind.HQ)


def configured_seats(config: HotlineConfig) -> list[tuple[str, str, frozenset[str]]]:
    return [
        (seat.id, seat.platform, frozenset(skill.value for skill in seat.skills))
        for seat in config.seats
    ]
