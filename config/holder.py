"""The live configuration: replaced only by a file that validates, so bad edits never go live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import structlog

from config.loader import load_config
from config.schema import HotlineConfig
from config.yaml_positions import ConfigError

log = structlog.get_logger(__name__)


class ConfigHolder:
    def __init__(self, path: Path, config: HotlineConfig) -> None:
        self.path = path
        self._config = config
        self._listeners: list[Callable[[HotlineConfig], None]] = []
        self.last_errors: list[str] = []

    @classmethod
    def load(cls, path: Path) -> ConfigHolder:
        return cls(path, load_config(path))

    @property
    def current(self) -> HotlineConfig:
        return self._config

    def on_change(self, listener: Callable[[HotlineConfig], None]) -> None:
        self._listeners.append(listener)

    def check(self) -> HotlineConfig | None:
        """Load the file again without applying it; None (errors recorded) when it is bad."""
        try:
            return load_config(self.path)
        except ConfigError as exc:
            self.reject([str(issue) for issue in exc.issues])
            return None

    def reject(self, errors: list[str]) -> None:
        self.last_errors = errors
        log.error("config rejected; keeping the last good one", errors=errors)

    def apply(self, config: HotlineConfig) -> None:
        self._config = config
        self.last_errors = []
        for listener in self._listeners:
            listener(config)
        log.info("config reloaded", path=str(self.path))

    def reload(self) -> bool:
        """Load the file again; on any error keep serving the last good config."""
        config = self.check()
        if config is None:
            return False
        self.apply(config)
        return True
