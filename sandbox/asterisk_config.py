"""Settings for one Asterisk instance and rendering the asterisk-conf/ templates from them.

Templates use `{{name}}` placeholders, not `${name}`: the dialplan is full of `${EXTEN}`.
Rendering is pure (no root, no Asterisk), so tests can check the result in a temp dir.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sandbox import SandboxError

CONF_DIR = Path(__file__).resolve().parent.parent / "asterisk-conf"
DEFAULT_MODULE_DIR = "/usr/lib/x86_64-linux-gnu/asterisk/modules"
INSTANCES_DIR = PurePosixPath("/srv/hotline")

_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
_SECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
_INSTANCE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_NUMBER = re.compile(r"\+?[0-9]{3,20}")
# Asterisk config values end at `;` (comment) and newlines; quotes would break callerid.
_UNSAFE_VALUE = re.compile(r'[;\n\r"\\<>\[\]]')


def _check_name(label: str, value: str) -> None:
    if not _SECTION_NAME.fullmatch(value):
        raise SandboxError(
            f"{label} {value!r} must be 1-40 letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)"
        )


def _check_secret(label: str, value: str) -> None:
    if not value:
        raise SandboxError(f"{label} is required (non-empty)")
    if any(ch.isspace() for ch in value) or _UNSAFE_VALUE.search(value):
        raise SandboxError(f'{label} must not contain spaces or ; " \\ < > [ ]')


@dataclass(frozen=True)
class SeatAccount:
    seat_id: str
    password: str
    display_name: str

    def __post_init__(self) -> None:
        _check_name("seat id", self.seat_id)
        _check_secret(f"seat {self.seat_id} password", self.password)
        if not self.display_name.strip() or _UNSAFE_VALUE.search(self.display_name):
            raise SandboxError(
                f"seat {self.seat_id}: display name {self.display_name!r} must be non-empty "
                'and free of ; " \\ < > [ ] and line breaks'
            )


@dataclass(frozen=True)
class CarrierTrunk:
    name: str
    address: str  # source IP (or network) that identifies the trunk
    outbound: str | None = None  # HOST:PORT that calls out go to (callbacks); None: in only

    def __post_init__(self) -> None:
        _check_name("carrier name", self.name)
        try:
            ipaddress.ip_network(self.address, strict=False)
        except ValueError as exc:
            raise SandboxError(
                f"carrier {self.name}: {self.address!r} is not an IP address or network"
            ) from exc
        if self.outbound is not None:
            host, _, port = self.outbound.rpartition(":")
            try:
                ipaddress.ip_address(host)
            except ValueError as exc:
                raise SandboxError(
                    f"carrier {self.name}: outbound {self.outbound!r} must be IP:PORT"
                ) from exc
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise SandboxError(f"carrier {self.name}: outbound port {port!r} is not valid")


@dataclass(frozen=True)
class AsteriskSettings:
    app: str = "hotline"  # Stasis app name
    sip_address: str = "127.0.0.1"
    sip_port: int = 5060
    http_port: int = 8088
    ari_username: str = "hotline"
    ari_password: str = ""  # required; rendered into ari.conf only
    numbers: tuple[str, ...] = ("12368",)  # numbers/DIDs sent into Stasis
    carriers: tuple[CarrierTrunk, ...] = (CarrierTrunk("carrier", "127.0.0.2"),)
    seats: tuple[SeatAccount, ...] = ()
    rtp_start: int = 10000
    rtp_end: int = 20000

    def __post_init__(self) -> None:
        _check_name("Stasis app name", self.app)
        _check_name("ARI user name", self.ari_username)
        _check_secret("ARI password", self.ari_password)
        try:
            ipaddress.ip_address(self.sip_address)
        except ValueError as exc:
            raise SandboxError(f"sip_address {self.sip_address!r} is not an IP address") from exc
        for label, port in (("sip_port", self.sip_port), ("http_port", self.http_port)):
            if not 1 <= port <= 65535:
                raise SandboxError(f"{label} {port} is outside 1..65535")
        if not 1024 <= self.rtp_start < self.rtp_end <= 65535:
            raise SandboxError(
                f"RTP range {self.rtp_start}-{self.rtp_end} must be increasing within 1024..65535"
            )
        if not self.numbers:
            raise SandboxError("at least one hotline number is needed")
        for number in self.numbers:
            if not _NUMBER.fullmatch(number):
                raise SandboxError(f"hotline number {number!r} must be 3-20 digits, optional +")
        sections = [carrier.name for carrier in self.carriers]
        sections += [seat.seat_id for seat in self.seats]
        duplicates = sorted({name for name in sections if sections.count(name) > 1})
        if duplicates:
            raise SandboxError(f"carrier and seat names must be unique; repeated: {duplicates}")
        if "endpoint-base" in sections:
            raise SandboxError("'endpoint-base' is reserved for the pjsip.conf template")


@dataclass(frozen=True)
class InstanceLayout:
    """Where one instance keeps its files, as seen from inside the Debian root."""

    name: str

    def __post_init__(self) -> None:
        if not _INSTANCE_NAME.fullmatch(self.name):
            raise SandboxError(
                f"instance name {self.name!r} must be 1-32 lower-case letters, digits, '_' or '-'"
            )

    @property
    def base(self) -> PurePosixPath:
        return INSTANCES_DIR / self.name

    def dir(self, kind: str) -> PurePosixPath:
        return self.base / kind

    @property
    def dir_kinds(self) -> tuple[str, ...]:
        return ("etc", "run", "spool", "log", "lib", "db", "cache", "prompts", "moh")

    @property
    def asterisk_conf(self) -> PurePosixPath:
        return self.dir("etc") / "asterisk.conf"

    @property
    def recording_dir(self) -> PurePosixPath:
        # res_stasis_recording writes ARI recordings to <astspooldir>/recording.
        return self.dir("spool") / "recording"


def render(template: str, values: Mapping[str, str], source: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise SandboxError(f"{source}: unknown placeholder {{{{{key}}}}}")
        return values[key]

    return _PLACEHOLDER.sub(substitute, template)


def template_values(
    settings: AsteriskSettings,
    layout: InstanceLayout,
    module_dir: str = DEFAULT_MODULE_DIR,
    conf_dir: Path = CONF_DIR,
) -> dict[str, str]:
    fragments = conf_dir / "fragments"
    carrier_tmpl = (fragments / "pjsip-carrier.conf").read_text(encoding="utf-8")
    outbound_tmpl = (fragments / "pjsip-carrier-outbound.conf").read_text(encoding="utf-8")
    seat_tmpl = (fragments / "pjsip-seat.conf").read_text(encoding="utf-8")
    number_tmpl = (fragments / "extensions-number.conf").read_text(encoding="utf-8")
    carriers = "".join(
        render(
            carrier_tmpl,
            {
                "name": c.name,
                "address": c.address,
                "outbound_lines": f"aors = {c.name}\n" if c.outbound else "",
            },
            "pjsip-carrier.conf",
        )
        + (
            render(
                outbound_tmpl,
                {"name": c.name, "outbound": c.outbound},
                "pjsip-carrier-outbound.conf",
            )
            if c.outbound
            else ""
        )
        for c in settings.carriers
    )
    seats = "".join(
        render(
            seat_tmpl,
            {"seat_id": s.seat_id, "password": s.password, "display_name": s.display_name},
            "pjsip-seat.conf",
        )
        for s in settings.seats
    )
    numbers = "".join(
        render(number_tmpl, {"number": n}, "extensions-number.conf") for n in settings.numbers
    )
    values = {
        "instance": layout.name,
        "module_dir": module_dir,
        "app": settings.app,
        "sip_address": settings.sip_address,
        "sip_port": str(settings.sip_port),
        "http_port": str(settings.http_port),
        "ari_username": settings.ari_username,
        "ari_password": settings.ari_password,
        "rtp_start": str(settings.rtp_start),
        "rtp_end": str(settings.rtp_end),
        "carriers": carriers,
        "seats": seats,
        "carrier_numbers": numbers,
        "local_numbers": numbers,
    }
    values.update({f"{kind}_dir": str(layout.dir(kind)) for kind in layout.dir_kinds})
    return values


def render_config(
    settings: AsteriskSettings,
    layout: InstanceLayout,
    dest: Path,
    module_dir: str = DEFAULT_MODULE_DIR,
    conf_dir: Path = CONF_DIR,
) -> list[Path]:
    """Render every asterisk-conf/*.conf into `dest`; return the files written."""
    values = template_values(settings, layout, module_dir, conf_dir)
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    templates = sorted(conf_dir.glob("*.conf"))
    if not templates:
        raise SandboxError(f"no Asterisk config templates found in {conf_dir}")
    for template in templates:
        text = render(template.read_text(encoding="utf-8"), values, template.name)
        target = dest / template.name
        # Written private from the start: ari.conf and pjsip.conf carry passwords.
        target.touch(mode=0o640, exist_ok=True)
        target.chmod(0o640)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
