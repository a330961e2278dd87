"""A call through the hotline: its states, the events that move it and the commands it issues."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from agents.model import OfferOutcome
from ivr.model import CaseAnswerKind, IvrState, PromptItem
from ivr.model import LookUpCase as LookUpCase  # an IVR request the call carries out as is
from workorders.model import Category

# Letters only: a call id with a long digit run would be masked as a phone number in logs.
_DIGITS_TO_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def new_call_id() -> str:
    return "c" + uuid.uuid4().hex[:16].translate(_DIGITS_TO_LETTERS)


def message_name_for(call_id: str) -> str:
    return f"{call_id}-message"


def consult_channel_id(call_id: str, number: int) -> str:
    return f"{call_id}-consult{number}"


def is_consult_channel(call_id: str, channel_id: str) -> bool:
    number = channel_id.removeprefix(f"{call_id}-consult")
    return number != channel_id and number.isascii() and number.isdigit()


def bridge_id_for(call_id: str) -> str:
    """Derived, not random: after a crash the bridge of a call is found from its row alone."""
    return f"{call_id}-bridge"


class CallState(enum.StrEnum):
    IVR = "ivr"
    QUEUED = "queued"
    OFFERING = "offering"  # a seat's phone is ringing
    CONNECTED = "connected"
    SURVEY = "survey"  # the seat hung up first; the caller is asked to rate the call
    # An urgent contact rings the judge's chain; the caller waits on hold in the call's bridge.
    CONTACTING = "contacting"
    FAREWELL = "farewell"  # a last prompt plays, then the switch hangs up
    ENDED = "ended"


class EndReason(enum.StrEnum):
    COMPLETED = "completed"
    ABANDONED_IN_IVR = "abandoned_in_ivr"
    ABANDONED_IN_QUEUE = "abandoned_in_queue"
    NO_INPUT = "no_input"
    SELF_SERVICE = "self_service"  # the caller was served by the IVR alone
    MESSAGE_LEFT = "message_left"  # after hours: a message to call back
    QUEUE_TIMEOUT = "queue_timeout"
    URGENT_UNREACHED = "urgent_unreached"  # nobody took the urgent contact; a work order follows
    ABANDONED_IN_CONTACT = "abandoned_in_contact"  # hung up while the judge's chain was rung
    CALLBACK_REQUESTED = "callback_requested"  # hung up keeping the place in line
    FAILED = "failed"


class Party(enum.StrEnum):
    CALLER = "caller"
    SEAT = "seat"
    SYSTEM = "system"
    CONTACT = "contact"  # the judge (or office, division head) an urgent contact put through


@dataclass(frozen=True)
class MaxWaitChoice:
    """Offered to a caller who has waited the queue's longest wait."""

    prompt: str
    message_key: str | None
    message_node: str | None
    callback_key: str | None
    timeout_s: int


@dataclass(frozen=True)
class QueuePolicy:
    """What the call needs to know about its queue (from the YAML)."""

    queue_id: str
    skill: str
    hold_prompt: str
    ring_timeout_s: int
    wrap_up_s: int
    max_wait_s: int
    priority: int = 0
    announce_every_s: int = 0
    callback_key: str | None = None
    callback_prompt: str | None = None
    max_wait_choice: MaxWaitChoice | None = None
    abandoned_callback_after_s: int = 5


class ConsultKind(enum.StrEnum):
    """Whom the agent consults before handing the caller over (咨询转接)."""

    QUEUE = "queue"  # a free seat of another queue, picked as the ACD would
    JUDGE = "judge"  # the HQ consulting judge (咨询法官), rung through the carrier


@dataclass(frozen=True)
class ConsultTarget:
    """Resolved by the service before the call sees it: a reserved seat or a directory number."""

    kind: ConsultKind
    target_id: str  # the queue id, or the judge's directory id
    name: str  # shown to the agent
    ring_s: int  # how long the target rings before the consultation is given up
    seat_id: str | None = None  # QUEUE: the seat reserved for the consultation
    number: str | None = field(default=None, repr=False)  # JUDGE: the number rung


@dataclass(frozen=True)
class Consult:
    """A consultation under way: the caller is on hold while the agent talks to the target."""

    target: ConsultTarget
    channel_id: str
    blind: bool = False  # the caller is put through the moment the target answers
    answered: bool = False


# Reasons a caller ends up on the callback list.
CALLBACK_QUEUED = "queued"  # kept their place in line
CALLBACK_ABANDONED = "abandoned"  # hung up after waiting a while
CALLBACK_QUEUE_TIMEOUT = "queue_timeout"  # waited the longest wait and chose nothing
CALLBACK_MESSAGE = "message"  # left a message


@dataclass(frozen=True)
class Call:
    id: str
    caller_channel_id: str
    caller_number: str
    dialed_number: str
    started_at: datetime
    home_platform: str = ""  # the court the call is for; its seats are offered it first
    state: CallState = CallState.IVR
    ivr: IvrState | None = None
    playback_id: str | None = None
    playback_count: int = 0
    on_hold_music: bool = False
    queue: QueuePolicy | None = None
    seat_id: str | None = None
    seat_channel_id: str | None = None
    bridge_id: str | None = None
    offer_attempt: int = 0
    tried_seats: frozenset[str] = field(default_factory=frozenset)
    answered_at: datetime | None = None
    queued_at: datetime | None = None
    offered_at: datetime | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    ended_by: Party | None = None
    survey_answer: str | None = None
    max_wait_offered: bool = False
    choice_playback_id: str | None = None  # the max-wait offer; its end starts the choice timer
    pending_end: EndReason | None = None  # in FAREWELL: how the call ends once the prompt is over
    contact_id: int | None = None  # the urgent contact under way or done in this call
    contact_channel_id: str | None = None  # the judge's leg, once put through
    agent_stays: bool = True  # the seat stays on the line when the judge is put through
    held: bool = False  # the agent put the caller on hold: out of the bridge, hearing music
    leg: int = 1  # each transfer to another queue starts a new leg, with its own recording
    consult: Consult | None = None
    consults: int = 0  # consultations started in this call: each one's leg gets its own id

    @property
    def recording_name(self) -> str:
        """The current leg's bridge recording: the call id, then `<call id>-2`, `-3`…"""
        return self.id if self.leg == 1 else f"{self.id}-{self.leg}"

    @property
    def can_hand_over(self) -> bool:
        """With an agent, no judge on the line and no consultation under way: the agent may
        transfer the caller or start a consultation."""
        return (
            self.state is CallState.CONNECTED
            and self.seat_id is not None
            and self.seat_channel_id is not None
            and self.contact_channel_id is None
            and self.consult is None
        )

    def channels(self) -> list[str]:
        consulted = self.consult.channel_id if self.consult else None
        return [c for c in (self.caller_channel_id, self.seat_channel_id, consulted) if c]


# ---- events -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CallerEntered:
    """The caller's channel entered the Stasis app."""


@dataclass(frozen=True)
class PlaybackDone:
    playback_id: str


@dataclass(frozen=True)
class DigitPressed:
    digit: str


@dataclass(frozen=True)
class TimerFired:
    name: str
    token: int


@dataclass(frozen=True)
class SeatAssigned:
    seat_id: str


@dataclass(frozen=True)
class SeatAnswered:
    channel_id: str


@dataclass(frozen=True)
class SeatUnavailable:
    channel_id: str
    cause: str


@dataclass(frozen=True)
class CallerLeft:
    pass


@dataclass(frozen=True)
class SeatLeft:
    channel_id: str


@dataclass(frozen=True)
class CaseLookedUp:
    kind: CaseAnswerKind
    status_text: str | None = None
    case: tuple[str, str] | None = None  # (court id, case number) when found


@dataclass(frozen=True)
class MessageRecorded:
    recording_name: str


@dataclass(frozen=True)
class ContactStarted:
    """The switch has begun ringing the judge's chain for this call."""

    contact_id: int
    hold_prompt: str
    agent_stays: bool


@dataclass(frozen=True)
class ContactRefused:
    """An urgent contact asked for in the IVR cannot be made (no number, rate limit)."""

    reason: str


@dataclass(frozen=True)
class ContactJoined:
    channel_id: str


@dataclass(frozen=True)
class ContactUnreached:
    prompt: str  # tells the caller nobody answered and a work order was made


@dataclass(frozen=True)
class ContactLeft:
    channel_id: str


@dataclass(frozen=True)
class Resynced:
    """Events may have been lost while the events connection was down."""


@dataclass(frozen=True)
class HoldAsked:
    """The agent puts the caller on hold (music) to look something up or consult."""


@dataclass(frozen=True)
class ResumeAsked:
    """The agent takes the caller off hold."""


@dataclass(frozen=True)
class TransferAsked:
    """The agent hands the caller to another queue (blind): the seat is let go at once."""

    queue_id: str


@dataclass(frozen=True)
class ConsultAsked:
    """The agent consults a seat of another queue or the consulting judge before handing over."""

    target: ConsultTarget
    blind: bool = False


@dataclass(frozen=True)
class ConsultAnswered:
    channel_id: str


@dataclass(frozen=True)
class ConsultLeft:
    """The consulted leg went away: unanswered, refused, or hung up."""

    channel_id: str


@dataclass(frozen=True)
class ConsultCompleteAsked:
    """The agent hands the caller to the one they consulted and leaves."""


@dataclass(frozen=True)
class ConsultCancelAsked:
    """The agent lets the consulted leg go and takes the caller back."""


CallEvent = (
    CallerEntered
    | PlaybackDone
    | DigitPressed
    | TimerFired
    | SeatAssigned
    | SeatAnswered
    | SeatUnavailable
    | CallerLeft
    | SeatLeft
    | CaseLookedUp
    | MessageRecorded
    | ContactStarted
    | ContactRefused
    | ContactJoined
    | ContactUnreached
    | ContactLeft
    | Resynced
    | HoldAsked
    | ResumeAsked
    | TransferAsked
    | ConsultAsked
    | ConsultAnswered
    | ConsultLeft
    | ConsultCompleteAsked
    | ConsultCancelAsked
)


# ---- commands -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    pass


@dataclass(frozen=True)
class PlayPrompts:
    playback_id: str
    prompts: tuple[PromptItem, ...]
    bridge_id: str | None = None  # to everyone in the call's bridge instead of the caller


@dataclass(frozen=True)
class StopPlayback:
    playback_id: str


@dataclass(frozen=True)
class StartHoldMusic:
    bridge_id: str | None = None


@dataclass(frozen=True)
class StopHoldMusic:
    bridge_id: str | None = None


@dataclass(frozen=True)
class StartTimer:
    name: str
    seconds: float


@dataclass(frozen=True)
class CancelTimer:
    name: str


@dataclass(frozen=True)
class Enqueue:
    queue_id: str
    queued_at: datetime
    excluded_seats: frozenset[str]


@dataclass(frozen=True)
class AnnounceWait:
    """Tell the waiting caller their place in line and the expected wait."""

    playback_id: str


@dataclass(frozen=True)
class KeepPlaceForCallback:
    """The caller hangs up; their place in line becomes a callback, dialled agent-first."""


@dataclass(frozen=True)
class Dequeue:
    pass


@dataclass(frozen=True)
class DialSeat:
    seat_id: str
    channel_id: str
    attempt: int
    timeout_s: int


@dataclass(frozen=True)
class SeatTalking:
    seat_id: str


@dataclass(frozen=True)
class ReleaseSeat:
    seat_id: str
    outcome: OfferOutcome
    attempt: int
    wrap_up_s: int


@dataclass(frozen=True)
class BridgeAndRecord:
    bridge_id: str
    channel_ids: tuple[str, ...]
    recording_name: str


@dataclass(frozen=True)
class AddToBridge:
    bridge_id: str
    channel_id: str


@dataclass(frozen=True)
class RemoveFromBridge:
    bridge_id: str
    channel_id: str


@dataclass(frozen=True)
class StartUrgentContact:
    """From the IVR: a verified litigant asks for the judge of their case."""

    court_id: str
    case_number: str


@dataclass(frozen=True)
class EndContact:
    """The caller left: stop ringing the chain, let go of the judge's leg."""

    contact_id: int


@dataclass(frozen=True)
class RecordMessage:
    recording_name: str
    max_seconds: int


@dataclass(frozen=True)
class CreateCallbackTask:
    reason: str
    recording_name: str | None


@dataclass(frozen=True)
class FileMessageWorkOrder:
    """A message left after a verified case query: a work order to the case's judge."""

    category: Category
    court_id: str
    case_number: str
    recording_name: str


@dataclass(frozen=True)
class EnsureRecording:
    """After a lost link: the bridge recording must be running (its start may have failed)."""

    bridge_id: str
    recording_name: str


@dataclass(frozen=True)
class StopRecording:
    recording_name: str


@dataclass(frozen=True)
class HangUp:
    channel_id: str


@dataclass(frozen=True)
class DestroyBridge:
    bridge_id: str


@dataclass(frozen=True)
class DialConsult:
    channel_id: str
    target: ConsultTarget


@dataclass(frozen=True)
class ConsultSeatTalking:
    """The consulted seat answered: it is busy with this call from now on."""

    seat_id: str


CallCommand = (
    Answer
    | PlayPrompts
    | StopPlayback
    | StartHoldMusic
    | StopHoldMusic
    | StartTimer
    | CancelTimer
    | Enqueue
    | AnnounceWait
    | KeepPlaceForCallback
    | Dequeue
    | DialSeat
    | SeatTalking
    | ReleaseSeat
    | BridgeAndRecord
    | AddToBridge
    | RemoveFromBridge
    | StartUrgentContact
    | EndContact
    | LookUpCase
    | RecordMessage
    | CreateCallbackTask
    | FileMessageWorkOrder
    | EnsureRecording
    | StopRecording
    | HangUp
    | DestroyBridge
    | DialConsult
    | ConsultSeatTalking
)
