"""Console passwords: argon2id hashes only. CPU-bound: call through `asyncio.to_thread`."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from console.errors import UserInvalid

MIN_LENGTH = 10
MAX_LENGTH = 128

# OWASP's argon2id minimum (m=19 MiB, t=2, p=1): logins are rare next to calls, and the
# throttle, not the hash cost, is what stops guessing online.
_HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)


def check_password(password: str) -> str:
    """The message never repeats the value."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise UserInvalid(f"password: must be {MIN_LENGTH} to {MAX_LENGTH} characters")
    if password.isdigit() or password.isalpha():
        raise UserInvalid("password: must mix letters with digits or signs")
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(check_password(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError, VerificationError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("not-a-real-password-0")


def dummy_verify(password: str) -> bool:
    """Spend a verification's time for a name that does not exist, so timing does not tell."""
    verify_password(_dummy_hash(), password)
    return False
