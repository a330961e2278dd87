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

    def reload(self) -> bool:
        """Load the file again; on any error keep serving the last good config."""
        try:
            config = load_config(self.path)
        except ConfigError as exc:
            self.last_errors = [str(issue) for issue in exc.issues]
            log.error("config rejected; keeping the last good one", errors=self.last_errors)
            return False
        self._config = config
        self.last_errors = []
        for listener in self._listeners:
            listener(config)
        log.info("config reloaded", path=str(self.path))
        return True
