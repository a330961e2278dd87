"""The base of every YAML section model: unknown keys are errors, values are immutable."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


SECRET_REFERENCE = re.compile(r"^(secret|env):[A-Za-z0-9_.-]{1,64}$")


class SecretReference(str):
    """`secret:NAME` (a file in the secrets dir) or `env:NAME`; never the secret itself."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: object) -> object:
        from pydantic_core import core_schema

        def validate(value: str) -> SecretReference:
            if not SECRET_REFERENCE.match(value):
                raise ValueError(
                    "must be a reference like 'secret:NAME' or 'env:NAME', not the secret itself"
                )
            return cls(value)

        return core_schema.no_info_after_validator_function(validate, core_schema.str_schema())
