"""Case passwords: keypad digits, stored only as argon2id hashes.

These functions are CPU-bound (tens of milliseconds each): from async code call them through
`asyncio.to_thread`, never on the event loop.

Why these argon2id parameters (OWASP's recommended minimum: m=19 MiB, t=2, p=1, about 35 ms a
hash on one core): a password of 4 to 12 digits has at most 40 bits of entropy and often only
13, so no hashing cost makes a stolen table safe by itself; what protects a PIN on the phone line
is the lockout in `cases.policy`. The hash must still cost an offline attacker real work per
guess, while one verification per attempt stays cheap enough for many calls at once and an import
of tens of thousands of cases. Memory-hard parameters above this gain little for short PINs and
would make the controller's memory use grow with concurrent calls (19 MiB per verification).
"""

from __future__ import annotations

import functools
import re

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cases.errors import InvalidCredentialFormat, InvalidPasswordHash

PASSWORD = re.compile(r"[0-9]{4,12}")

_HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)


def check_password(password: str) -> str:
    """The password if it is 4 to 12 ASCII digits; the message never repeats the value."""
    if not PASSWORD.fullmatch(password):
        raise InvalidCredentialFormat("a case password must be 4 to 12 digits")
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(check_password(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Constant-time comparison inside argon2; a malformed password is just a mismatch."""
    try:
        return _HASHER.verify(password_hash, password)
    except VerifyMismatchError:
        return False
    except (InvalidHashError, VerificationError) as exc:
        # libargon2 reports a hash it cannot decode as a failed verification, not a mismatch.
        raise InvalidPasswordHash("the stored case password hash is not an argon2 hash") from exc


def dummy_verify(password: str) -> bool:
    """Spend the time a real verification would, for a code that does not exist; always False."""
    verify_password(_dummy_hash(), password)
    return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's (cheap, no hashing)."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError as exc:
        raise InvalidPasswordHash("the stored case password hash is not an argon2 hash") from exc


@functools.cache
def _dummy_hash() -> str:
    # Same parameters as real hashes, so a dummy verification costs the same time.
    return _HASHER.hash("000000")
