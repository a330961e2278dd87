"""The Asterisk config rendered from asterisk-conf/ is locked down the way production needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import SandboxError
from sandbox.asterisk_config import (
    CONF_DIR,
    AsteriskSettings,
    CarrierTrunk,
    InstanceLayout,
    SeatAccount,
    render_config,
)

ARI_PASSWORD = "ari-Secret-4711"
SEAT_PASSWORD = "seat-Secret-0815"

Section = tuple[str, str, dict[str, str]]  # name, template, options


def parse_conf(text: str) -> list[Section]:
    """Asterisk .conf sections in order; a name may repeat with a different type."""
    sections: list[Section] = []
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            name, _, rest = line[1:].partition("]")
            sections.append((name, rest.strip("()"), {}))
        elif "=" in line and sections:
            key, _, value = line.partition("=")
            sections[-1][2][key.strip()] = value.lstrip(">").strip()
    return sections


def typed(sections: list[Section], kind: str) -> dict[str, dict[str, str]]:
    """Sections of one type by name, with their template's options merged in."""
    templates = {name: options for name, marker, options in sections if marker == "!"}
    found: dict[str, dict[str, str]] = {}
    for name, template, options in sections:
        if template == "!":
            continue
        merged = {**templates.get(template, {}), **options}
        if merged.get("type") == kind:
            found[name] = merged
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    settings = AsteriskSettings(
        sip_address="10.0.0.5",
        sip_port=5070,
        http_port=8099,
        ari_password=ARI_PASSWORD,
        numbers=("12368", "+8612368"),
        carriers=(
            CarrierTrunk("unicom", "192.0.2.10", outbound="192.0.2.10:5060"),
            CarrierTrunk("telecom", "198.51.100.0/28"),
        ),
        seats=(SeatAccount("1001", SEAT_PASSWORD, "张法官"), SeatAccount("1002", "pw-1002", "Li")),
    )
    dest = tmp_path_factory.mktemp("etc")
    files = render_config(settings, InstanceLayout("unittest"), dest)
    return {path.name: path.read_text(encoding="utf-8") for path in files}


def test_no_anonymous_endpoint_identifier_is_loaded(rendered: dict[str, str]) -> None:
    modules = parse_conf(rendered["modules.conf"])[0][2]
    loads = [line for line in rendered["modules.conf"].splitlines() if line.startswith("load")]
    assert modules["autoload"] == "no"
    assert not any("endpoint_identifier_anonymous" in line for line in loads)
    assert "noload => res_pjsip_endpoint_identifier_anonymous.so" in rendered["modules.conf"]
    assert "anonymous" not in typed(parse_conf(rendered["pjsip.conf"]), "endpoint")


def test_identification_is_by_source_address_then_user_name(rendered: dict[str, str]) -> None:
    sections = parse_conf(rendered["pjsip.conf"])
    assert typed(sections, "global")["global"]["endpoint_identifier_order"] == "ip,username"


def test_every_seat_needs_digest_auth_and_holds_one_registration(
    rendered: dict[str, str],
) -> None:
    sections = parse_conf(rendered["pjsip.conf"])
    endpoints, auths, aors = (typed(sections, kind) for kind in ("endpoint", "auth", "aor"))
    for seat in ("1001", "1002"):
        assert endpoints[seat]["context"] == "from-seat"
        assert endpoints[seat]["identify_by"] == "username"
        assert auths[endpoints[seat]["auth"]]["auth_type"] == "digest"
        assert auths[endpoints[seat]["auth"]]["username"] == seat
        assert aors[endpoints[seat]["aors"]]["max_contacts"] == "1"
        assert aors[endpoints[seat]["aors"]]["remove_existing"] == "yes"
    assert auths["1001"]["password"] == SEAT_PASSWORD
    assert endpoints["1001"]["callerid"] == '"张法官" <1001>'


def test_only_a_carrier_with_an_outbound_address_can_take_callbacks_out(
    rendered: dict[str, str],
) -> None:
    sections = parse_conf(rendered["pjsip.conf"])
    endpoints, aors = typed(sections, "endpoint"), typed(sections, "aor")
    assert endpoints["unicom"]["aors"] == "unicom"
    assert aors["unicom"]["contact"] == "sip:192.0.2.10:5060"
    assert "aors" not in endpoints["telecom"]
    assert "telecom" not in aors


@pytest.mark.parametrize("outbound", ["carrier.example:5060", "192.0.2.1", "192.0.2.1:0"])
def test_carrier_outbound_must_be_an_ip_and_port(outbound: str) -> None:
    with pytest.raises(SandboxError, match="outbound"):
        CarrierTrunk("unicom", "192.0.2.10", outbound=outbound)


def test_carriers_are_identified_by_source_address_only(rendered: dict[str, str]) -> None:
    sections = parse_conf(rendered["pjsip.conf"])
    endpoints, identifies = typed(sections, "endpoint"), typed(sections, "identify")
    assert identifies["unicom"] == {"type": "identify", "endpoint": "unicom", "match": "192.0.2.10"}
    assert identifies["telecom"]["match"] == "198.51.100.0/28"
    for carrier in ("unicom", "telecom"):
        assert endpoints[carrier]["context"] == "from-carrier"
        assert endpoints[carrier]["identify_by"] == "ip"
        assert "auth" not in endpoints[carrier]


def test_all_endpoints_keep_media_in_asterisk(rendered: dict[str, str]) -> None:
    endpoints = typed(parse_conf(rendered["pjsip.conf"]), "endpoint")
    assert set(endpoints) == {"unicom", "telecom", "1001", "1002"}
    for options in endpoints.values():
        assert options["direct_media"] == "no"
        assert options["rtp_symmetric"] == "yes"
        assert options["allow"] == "ulaw,alaw"
        assert options["dtmf_mode"] == "rfc4733"


def test_sip_transports_bind_the_configured_address(rendered: dict[str, str]) -> None:
    transports = typed(parse_conf(rendered["pjsip.conf"]), "transport")
    assert {t["protocol"] for t in transports.values()} == {"udp", "tcp"}
    assert {t["bind"] for t in transports.values()} == {"10.0.0.5:5070"}


def test_http_and_ari_listen_on_loopback_only(rendered: dict[str, str]) -> None:
    http = parse_conf(rendered["http.conf"])[0][2]
    assert http["bindaddr"] == "127.0.0.1"
    assert http["bindport"] == "8099"
    assert http["enablestatic"] == "no"
    ari = {name: options for name, _, options in parse_conf(rendered["ari.conf"])}
    assert ari["hotline"] == {
        "type": "user",
        "read_only": "no",
        "password_format": "plain",
        "password": ARI_PASSWORD,
    }
    assert parse_conf(rendered["manager.conf"])[0][2]["enabled"] == "no"


def test_passwords_live_in_rendered_files_not_templates(rendered: dict[str, str]) -> None:
    templates = [*CONF_DIR.glob("*.conf"), *CONF_DIR.glob("fragments/*.conf")]
    for template in templates:
        text = template.read_text(encoding="utf-8")
        assert ARI_PASSWORD not in text
        assert SEAT_PASSWORD not in text
    assert "password = {{ari_password}}" in (CONF_DIR / "ari.conf").read_text(encoding="utf-8")
    holders = {name for name, text in rendered.items() if ARI_PASSWORD in text}
    assert holders == {"ari.conf"}


def test_hotline_numbers_go_into_stasis_and_nothing_else_is_routed(
    rendered: dict[str, str],
) -> None:
    contexts: dict[str, list[str]] = {}
    current = ""
    for raw in rendered["extensions.conf"].splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("["):
            current = line.strip("[]")
        elif line:
            contexts.setdefault(current, []).append(line)
    for context in ("from-carrier", "hotline-local"):
        lines = contexts[context]
        assert "exten => 12368,1,Set(HOTLINE_NUMBER=${EXTEN})" in lines
        assert "exten => +8612368,1,Set(HOTLINE_NUMBER=${EXTEN})" in lines
        assert "exten => _X!,1,Hangup(1)" in lines
        assert not any("Dial(" in line for line in lines)
    entry = contexts["hotline-entry"]
    assert entry[0] == "exten => s,1,Stasis(${HOTLINE_APP},inbound,${HOTLINE_NUMBER})"
    assert any('"${STASISSTATUS}" = "FAILED"' in line for line in entry)
    # Seats reach the controller with feature codes only, under their authenticated name.
    seat_lines = contexts["from-seat"]
    assert not any("Dial(" in line for line in seat_lines)
    assert seat_lines[0] == (
        "exten => _*X.,1,Stasis(${HOTLINE_APP},feature,${CHANNEL(endpoint)},${EXTEN})"
    )
    assert "exten => _X!,1,Hangup()" in seat_lines
    assert "HOTLINE_APP = hotline" in contexts["globals"]


def test_every_placeholder_is_filled(rendered: dict[str, str]) -> None:
    for name, text in rendered.items():
        assert "{{" not in text, name


def test_instance_directories_are_its_own(rendered: dict[str, str]) -> None:
    directories = parse_conf(rendered["asterisk.conf"])[0][2]
    for key in ("astetcdir", "astrundir", "astspooldir", "astlogdir", "astdbdir"):
        assert directories[key].startswith("/srv/hotline/unittest/"), key
    assert directories["astdatadir"] == "/usr/share/asterisk"


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"ari_password": ""}, "ARI password is required"),
        ({"ari_password": "abc;def"}, "ARI password must not contain"),
        ({"sip_address": "example.org"}, "not an IP address"),
        ({"numbers": ("12368x",)}, "hotline number"),
        ({"rtp_start": 20000, "rtp_end": 10000}, "RTP range"),
        (
            {"seats": (SeatAccount("carrier", "pw", "Clash"),)},
            "must be unique",
        ),
    ],
)
def test_unsafe_settings_are_refused_with_a_clear_message(
    overrides: dict[str, object], complaint: str
) -> None:
    values: dict[str, object] = {"ari_password": ARI_PASSWORD, **overrides}
    with pytest.raises(SandboxError, match=complaint):
        AsteriskSettings(**values)  # type: ignore[arg-type]


def test_carrier_address_must_be_an_ip() -> None:
    with pytest.raises(SandboxError, match="not an IP address or network"):
        CarrierTrunk("carrier", "carrier.example")


def test_render_needs_no_root(tmp_path: Path) -> None:
    written = render_config(
        AsteriskSettings(ari_password=ARI_PASSWORD), InstanceLayout("plain"), tmp_path
    )
    assert {path.name for path in written} >= {"pjsip.conf", "extensions.conf", "ari.conf"}
    assert all(path.stat().st_mode & 0o777 == 0o640 for path in written)
