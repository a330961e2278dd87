"""The production image carries every package the project installs."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO


def test_the_controller_image_copies_every_installed_package() -> None:
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]
    top_level = {name.split(".")[0] for name in packages}
    dockerfile = (REPO / "Dockerfile").read_text()
    controller = dockerfile.split("FROM debian:sid-slim AS asterisk")[0]
    copied = set(re.findall(r"^COPY (\w+) \1$", controller, flags=re.MULTILINE))
    assert top_level - copied == set(), "pip install -e . in the image would miss these"
