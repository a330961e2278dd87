"""Errors of `hotline simulate`: a bad option or input file, named so the admin can fix it."""

from __future__ import annotations


class SimulationError(ValueError):
    """Options or input the simulator cannot run with; `where` is the option or file:line."""

    code = "simulation-input"

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class InputFileError(SimulationError):
    """An input file with problems: every one is listed, as file:line: column: message."""

    code = "simulation-input-file"

    def __init__(self, where: str, problems: list[str]) -> None:
        super().__init__(where, f"{len(problems)} problem(s)")
        self.problems = problems
