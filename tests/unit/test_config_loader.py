"""The YAML loader, its file:line:col error reports, the live config holder and secrets."""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest

from config.holder import ConfigHolder
from config.loader import load_config
from config.schema import HotlineConfig, PlatformKind
from config.secrets import SecretMissingError, SecretStore
from config.yaml_positions import ConfigError, ConfigIssue, Position

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "examples" / "beijing.yaml"

NODES = (
    "  nodes: {main: {type: menu, prompts: [welcome, menu], choices: {1: agent}},"
    " agent: {type: queue, queue: general}}"
)
# A small valid file. Line numbers (1-based) are in the comments; the cases below rely on them.
VALID_LINES = [
    "prompts:",  # 1
    "  items:",  # 2
    "    welcome: {text: 欢迎致电}",  # 3
    "    menu: {text: 人工服务请按零}",  # 4
    "    invalid: {text: 输入有误}",  # 5
    "    goodbye: {text: 再见}",  # 6
    "    hold: {text: 请稍候}",  # 7
    "ivr:",  # 8
    "  start: main",  # 9
    NODES,  # 10
    "  invalid: invalid",  # 11
    "  goodbye: goodbye",  # 12
    "  agent_queue: general",  # 13
    "  input_timeout_s: 6",  # 14
    "queues:",  # 15
    "  - id: general",  # 16
    "    name: 综合咨询",  # 17
    "    skill: consultation",  # 18
    "    hold_prompt: hold",  # 19
    "platforms:",  # 20
    "  - {id: high, name: 高级法院, kind: hq}",  # 21
    "  - {id: int1, name: 一中院, kind: branch}",  # 22
    "seats:",  # 23
    "  - id: high-01",  # 24
    "    platform: high",  # 25
    "    name: one",  # 26
    "    skills: [consultation]",  # 27
    "    password: secret:seat-high-01",  # 28
    "  - id: int1-01",  # 29
    "    platform: int1",  # 30
    "    name: two",  # 31
    "    skills: [consultation, case_query]",  # 32
    "    password: env:SEAT_INT1_01",  # 33
]


def edited(replacements: dict[int, str | list[str]]) -> str:
    """The valid file with some lines (by 1-based number) replaced by zero or more lines."""
    lines: list[str] = []
    for number, line in enumerate(VALID_LINES, start=1):
        new = replacements.get(number, line)
        lines.extend([new] if isinstance(new, str) else new)
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hotline.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def issues_of(path: Path) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.issues


def located(issue: ConfigIssue) -> tuple[int, int]:
    return issue.position.line, issue.position.column


# ---- the shipped example ----------------------------------------------------------------------
def test_beijing_example_loads_with_23_platforms_one_hq_and_48_seats() -> None:
    config = load_config(EXAMPLE)

    assert len(config.platforms) == 23
    assert [p.id for p in config.platforms if p.kind is PlatformKind.HQ] == ["high"]
    assert len(config.seats) == 48
    assert len({seat.id for seat in config.seats}) == 48
    assert {seat.platform for seat in config.seats} == {p.id for p in config.platforms}


def test_beijing_example_keeps_every_password_as_a_reference() -> None:
    config = load_config(EXAMPLE)

    references = [seat.password for seat in config.seats] + [config.asterisk.ari_password]
    assert all(reference.startswith("secret:") for reference in references)


def test_small_valid_file_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, edited({})))

    assert isinstance(config, HotlineConfig)
    assert [seat.id for seat in config.seats] == ["high-01", "int1-01"]
    assert config.ivr.start == "main"
    assert set(config.ivr.nodes) == {"main", "agent"}
    assert config.queue("general").ring_timeout_s == 15  # the default


# ---- one problem, at the right place ----------------------------------------------------------
BROKEN_FILES = [
    pytest.param(
        {9: "  start: main: again"},
        (9, 14),
        "YAML syntax: mapping values are not allowed here",
        id="yaml-syntax-error",
    ),
    pytest.param(
        {21: "  - {id: high, name: 高级法院, kind: hq"},
        (22, 5),
        "YAML syntax: expected ',' or '}'",
        id="yaml-unclosed-flow-mapping-reported-where-parser-notices",
    ),
    pytest.param(
        {11: ["  invalid: invalid", "  start: main"]},
        (12, 3),
        "duplicate key 'start'",
        id="duplicate-key-points-at-second-key",
    ),
    pytest.param(
        {14: "  input_timout_s: 6"},
        (14, 3),
        "ivr.input_timout_s: unknown setting (check the spelling)",
        id="unknown-setting-points-at-key",
    ),
    pytest.param(
        {26: ["    name: one", "    colour: blue"]},
        (27, 5),
        "seats[0].colour: unknown setting",
        id="unknown-setting-in-list-item-points-at-key",
    ),
    pytest.param(
        {14: "  input_timeout_s: soon"},
        (14, 20),
        "ivr.input_timeout_s: Input should be a valid number",
        id="wrong-type-points-at-value",
    ),
    pytest.param(
        {13: ["  agent_queue: general", '  agent_key: "00"']},
        (14, 14),
        "ivr.agent_key: String should match pattern",
        id="wrong-pattern-points-at-value",
    ),
    pytest.param(
        {32: "    skills: [consultation, gossip]"},
        (32, 28),
        "seats[1].skills[1]: Input should be",
        id="unknown-skill-points-at-list-item",
    ),
    pytest.param(
        {26: []},
        (24, 5),
        "seats[0].name: required setting is missing",
        id="missing-setting-points-at-its-mapping",
    ),
    pytest.param(
        {n: [] for n in range(8, 15)},
        (1, 1),
        "ivr: required setting is missing",
        id="missing-top-level-section-points-at-file-start",
    ),
    pytest.param(
        {30: "    platform: int9"},
        (30, 15),
        "unknown platform 'int9'",
        id="seat-on-unknown-platform-points-at-platform",
    ),
    pytest.param(
        {12: "  goodbye: farewell"},
        (12, 12),
        "unknown prompt 'farewell'",
        id="ivr-unknown-prompt-points-at-name",
    ),
    pytest.param(
        {10: NODES.replace("[welcome, menu]", "[welcome, anthem]")},
        (10, 49),
        "unknown prompt 'anthem'",
        id="ivr-unknown-greeting-prompt-points-at-list-item",
    ),
    pytest.param(
        {13: "  agent_queue: nowhere"},
        (13, 16),
        "unknown queue 'nowhere'",
        id="ivr-unknown-queue-points-at-name",
    ),
    pytest.param(
        {19: "    hold_prompt: music"},
        (19, 18),
        "unknown prompt 'music'",
        id="queue-unknown-hold-prompt-points-at-name",
    ),
    pytest.param(
        {29: "  - id: high-01"},
        (29, 9),
        "seat id 'high-01' is used more than once",
        id="duplicate-seat-id-points-at-second-use",
    ),
    pytest.param(
        {29: "  - id: HIGH-01"},
        (29, 9),
        "seat id 'HIGH-01' differs from another only by case",
        id="seat-ids-differing-only-by-case",
    ),
    pytest.param(
        {22: "  - {id: int1, name: 一中院, kind: hq}"},
        (21, 3),
        "exactly one platform must be kind 'hq' (found 2)",
        id="two-hq-platforms-points-at-the-list",
    ),
    pytest.param(
        {28: "    password: hunter2"},
        (28, 15),
        "seats[0].password: must be a reference like 'secret:NAME' or 'env:NAME'",
        id="literal-password-points-at-value",
    ),
]


@pytest.mark.parametrize(("replacements", "where", "message"), BROKEN_FILES)
def test_broken_file_reports_file_line_column_and_message(
    tmp_path: Path,
    replacements: dict[int, str | list[str]],
    where: tuple[int, int],
    message: str,
) -> None:
    path = write(tmp_path, edited(replacements))

    issues = issues_of(path)

    assert len(issues) == 1, [str(issue) for issue in issues]
    (issue,) = issues
    assert located(issue) == where
    assert message in issue.message
    assert str(issue).startswith(f"{path}:{where[0]}:{where[1]}: ")


def test_literal_password_is_not_echoed_in_the_error(tmp_path: Path) -> None:
    path = write(tmp_path, edited({28: "    password: hunter2-correct-horse"}))

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    assert "hunter2" not in str(caught.value)


def test_invalid_prompt_name_points_at_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, edited({7: "    Hold!: {text: 请稍候}", 19: "    hold_prompt: hold"}))

    issues = issues_of(path)

    assert [located(issue) for issue in issues] == [(7, 5)]
    assert issues[0].message.startswith("prompts.items.Hold!: String should match pattern")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "the file is empty", id="empty"),
        pytest.param("# only a comment\n\n", "the file is empty", id="comments-only"),
        pytest.param("- high\n- int1\n", "the top level must be a mapping", id="top-level-list"),
    ],
)
def test_file_without_a_top_level_mapping_is_reported_at_its_start(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)

    issues = issues_of(path)

    assert [(located(issue), issue.message) for issue in issues] == [((1, 1), message)]


def test_missing_file_is_reported_not_raised_as_oserror(tmp_path: Path) -> None:
    issues = issues_of(tmp_path / "absent.yaml")

    assert len(issues) == 1
    assert issues[0].message.startswith("cannot read")


def test_yaml_python_tags_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "hotline:\n  name: !!python/name:os.system x\n")

    issues = issues_of(path)

    assert located(issues[0]) == (2, 9)
    assert "could not determine a constructor" in issues[0].message


# ---- many problems at once --------------------------------------------------------------------
def test_all_schema_problems_are_reported_together_in_file_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        edited(
            {
                14: "  input_timeout_s: -1",
                28: "    password: plaintext",
                31: ["    name: two", "    extension: 8001"],
            }
        ),
    )

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    issues = caught.value.issues
    assert [located(issue) for issue in issues] == [(14, 20), (28, 15), (32, 5)]
    assert [issue.message.split(":")[0] for issue in issues] == [
        "ivr.input_timeout_s",
        "seats[0].password",
        "seats[1].extension",
    ]
    assert str(caught.value).splitlines() == [str(issue) for issue in issues]


def test_all_cross_reference_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        edited({12: "  goodbye: farewell", 25: "    platform: nowhere", 29: "  - id: high-01"}),
    )

    issues = issues_of(path)

    assert {(located(issue), issue.message) for issue in issues} == {
        ((12, 12), "ivr.goodbye: unknown prompt 'farewell'"),
        ((25, 15), "seats[0].platform: unknown platform 'nowhere'"),
        ((29, 9), "seats[1].id: seat id 'high-01' is used more than once"),
    }


def test_every_duplicate_key_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        edited({9: ["  start: main", "  start: main"], 27: ["    skills: [a]", "    skills: [b]"]}),
    )

    issues = issues_of(path)

    assert [(located(issue), issue.message) for issue in issues] == [
        ((10, 3), "duplicate key 'start'"),
        ((29, 5), "duplicate key 'skills'"),
    ]


# ---- the live holder --------------------------------------------------------------------------
def test_reload_keeps_last_good_config_on_error_then_applies_fixed_file(tmp_path: Path) -> None:
    path = write(tmp_path, edited({}))
    holder = ConfigHolder.load(path)
    original = holder.current
    seen: list[HotlineConfig] = []
    holder.on_change(seen.append)

    path.write_text(edited({30: "    platform: int9", 14: "  input_timeout_s: 6"}), "utf-8")
    assert holder.reload() is False
    assert holder.current is original
    assert holder.last_errors == [f"{path}:30:15: seats[1].platform: unknown platform 'int9'"]
    assert seen == []

    path.write_text(edited({14: "  input_timeout_s: 9"}), "utf-8")
    assert holder.reload() is True
    assert holder.current.ivr.input_timeout_s == 9
    assert holder.last_errors == []
    assert seen == [holder.current]


def test_reload_of_an_emptied_file_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, edited({}))
    holder = ConfigHolder.load(path)

    path.write_text("", "utf-8")

    assert holder.reload() is False
    assert holder.current.seats[0].id == "high-01"
    assert holder.last_errors == [f"{path}:1:1: the file is empty"]


def test_holder_load_of_a_broken_file_raises(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        ConfigHolder.load(write(tmp_path, "ivr: [\n"))


# ---- secrets ----------------------------------------------------------------------------------
def test_env_reference_resolves_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_TEST_SEAT", "s3cr3t-seat")

    assert SecretStore(tmp_path).resolve("env:HOTLINE_TEST_SEAT") == "s3cr3t-seat"


def test_secret_reference_resolves_from_its_file_without_surrounding_whitespace(
    tmp_path: Path,
) -> None:
    (tmp_path / "ari").write_text("  ari-pass-123\n", "utf-8")

    assert SecretStore(tmp_path).resolve("secret:ari") == "ari-pass-123"


@pytest.mark.parametrize(
    ("reference", "env_value", "file_text"),
    [
        pytest.param("env:HOTLINE_TEST_UNSET", None, None, id="env-unset"),
        pytest.param("env:HOTLINE_TEST_EMPTY", "", None, id="env-empty"),
        pytest.param("secret:absent", None, None, id="secret-file-absent"),
        pytest.param("secret:blank", None, " \n", id="secret-file-blank"),
    ],
)
def test_missing_secret_raises_naming_the_reference_never_a_value(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reference: str,
    env_value: str | None,
    file_text: str | None,
) -> None:
    name = reference.partition(":")[2]
    monkeypatch.delenv("HOTLINE_TEST_UNSET", raising=False)
    if env_value is not None:
        monkeypatch.setenv(name, env_value)
    if file_text is not None:
        (tmp_path / name).write_text(file_text, "utf-8")
    # Other secrets that do exist must not leak into the message.
    monkeypatch.setenv("HOTLINE_TEST_OTHER", "other-value-xyz")
    (tmp_path / "other").write_text("other-file-value-xyz\n", "utf-8")

    with pytest.raises(SecretMissingError) as caught:
        SecretStore(tmp_path).resolve(reference)

    message = str(caught.value)
    assert message.startswith(f"{reference}: ")
    assert "xyz" not in message
    assert caught.value.code == "secret-missing"
    assert isinstance(caught.value, LookupError)


def test_ensure_creates_a_private_secret_file_once(tmp_path: Path) -> None:
    directory = tmp_path / "secrets"
    store = SecretStore(directory)

    assert store.ensure("secret:ari") is True
    first = store.resolve("secret:ari")
    assert store.ensure("secret:ari") is False

    assert store.resolve("secret:ari") == first
    assert len(first) >= 20
    assert stat.S_IMODE(os.stat(directory / "ari").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(directory).st_mode) & 0o077 == 0


def test_ensure_gives_each_secret_its_own_value(tmp_path: Path) -> None:
    store = SecretStore(tmp_path)
    store.ensure("secret:seat-high-01")
    store.ensure("secret:seat-high-02")

    assert store.resolve("secret:seat-high-01") != store.resolve("secret:seat-high-02")


def test_ensure_never_touches_an_existing_secret(tmp_path: Path) -> None:
    (tmp_path / "ari").write_text("chosen-by-admin\n", "utf-8")

    assert SecretStore(tmp_path).ensure("secret:ari") is False
    assert (tmp_path / "ari").read_text("utf-8") == "chosen-by-admin\n"


def test_ensure_leaves_env_references_alone(tmp_path: Path) -> None:
    directory = tmp_path / "secrets"

    assert SecretStore(directory).ensure("env:ARI_PASSWORD") is False
    assert not directory.exists()


def test_a_config_error_keeps_its_issues_across_a_process_boundary() -> None:
    error = ConfigError([ConfigIssue(Position("a.yaml", 3, 5), "queues: required")])
    again = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, as the pool sends
    assert [str(issue) for issue in again.issues] == [str(issue) for issue in error.issues]
