"""YAML loading that remembers where every value came from, so errors can name file:line:col."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class ConfigIssue:
    position: Position
    message: str

    def __str__(self) -> str:
        return f"{self.position}: {self.message}"


class ConfigError(ValueError):
    """A configuration file that cannot be used; `issues` lists every problem found."""

    code = "config-invalid"

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))

    def __reduce__(self) -> tuple[type[ConfigError], tuple[list[ConfigIssue]]]:
        # Rebuilt with its issues when it crosses a process boundary (load_config_apart).
        return (type(self), (self.issues,))


@dataclass
class PositionedDocument:
    data: Any
    positions: dict[Location, Position]
    key_positions: dict[Location, Position]

    def position_of(self, location: Location, *, key: bool = False) -> Position:
        """The position of the deepest part of `location` that exists in the file."""
        table = self.key_positions if key else self.positions
        probe = tuple(location)
        while probe:
            if probe in table:
                return table[probe]
            if not key and probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), Position("?", 1, 1))


def _mark(file: str, node: yaml.Node) -> Position:
    return Position(file, node.start_mark.line + 1, node.start_mark.column + 1)


def load_positioned(path: Path) -> PositionedDocument:
    """Parse one YAML file into plain data plus a position for every mapping key and value."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            [ConfigIssue(Position(file, 1, 1), f"cannot read: {exc.strerror}")]
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([ConfigIssue(Position(file, 1, 1), "not UTF-8 text")]) from exc
    return compose_positioned(text, file)


def compose_positioned(text: str, file: str) -> PositionedDocument:
    """Pure: YAML text, named `file` in positions, into plain data with its positions."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file, 1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([ConfigIssue(position, f"YAML syntax: {problem}")]) from exc
    if root is None:
        raise ConfigError([ConfigIssue(Position(file, 1, 1), "the file is empty")])
    positions: dict[Location, Position] = {}
    key_positions: dict[Location, Position] = {}
    issues: list[ConfigIssue] = []
    constructor = yaml.SafeLoader(text)

    def convert(node: yaml.Node, location: Location) -> Any:
        positions[location] = _mark(file, node)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = constructor.construct_object(key_node, deep=True)
                if not isinstance(key, str | int):
                    issues.append(ConfigIssue(_mark(file, key_node), "keys must be plain names"))
                    continue
                if key in result:
                    issues.append(ConfigIssue(_mark(file, key_node), f"duplicate key {key!r}"))
                    continue
                key_positions[(*location, key)] = _mark(file, key_node)
                result[key] = convert(value_node, (*location, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [convert(item, (*location, index)) for index, item in enumerate(node.value)]
        return constructor.construct_object(node, deep=True)

    try:
        data = convert(root, ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        position = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file, 1, 1)
        raise ConfigError([ConfigIssue(position, f"YAML: {exc.problem}")]) from exc
    if issues:
        raise ConfigError(issues)
    return PositionedDocument(data, positions, key_positions)
