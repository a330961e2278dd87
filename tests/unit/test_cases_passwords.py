"""Case passwords and query codes: keypad digits only, stored as argon2id hashes."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from cases.errors import InvalidCredentialFormat, InvalidPasswordHash
from cases.model import check_query_code
from cases.passwords import (
    check_password,
    dummy_verify,
    hash_password,
    needs_rehash,
    verify_password,
)


@pytest.mark.parametrize(
    ("password", "valid"),
    [
        ("1234", True),
        ("000000", True),
        ("123456789012", True),
        ("123", False),
        ("1234567890123", False),
        ("", False),
        ("12a4", False),
        ("12 34", False),
        ("1234\n", False),
        ("１２３４", False),  # full-width digits: no keypad sends these
        ("12³4", False),
        ("*1234#", False),
    ],
)
def test_password_must_be_4_to_12_ascii_digits(password: str, valid: bool) -> None:
    if valid:
        assert check_password(password) == password
    else:
        with pytest.raises(InvalidCredentialFormat, match="4 to 12 digits") as caught:
            check_password(password)
        assert password.strip() == "" or password.strip() not in str(caught.value)


@pytest.mark.parametrize(
    ("query_code", "valid"),
    [
        ("123456", True),
        ("01234567890123456789", True),
        ("12345", False),
        ("012345678901234567890", False),
        ("12345a", False),
        ("", False),
        ("٣٣٣٣٣٣", False),  # Arabic-Indic digits
    ],
)
def test_query_code_must_be_6_to_20_ascii_digits(query_code: str, valid: bool) -> None:
    if valid:
        assert check_query_code(query_code) == query_code
    else:
        with pytest.raises(InvalidCredentialFormat, match="6 to 20 digits"):
            check_query_code(query_code)


def test_hash_is_argon2id_not_the_password_and_verifies() -> None:
    password_hash = hash_password("4821")
    assert password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "4821" not in password_hash.split("$")[-1]
    assert verify_password(password_hash, "4821")
    assert not verify_password(password_hash, "4822")
    assert not verify_password(password_hash, "not digits")
    assert not needs_rehash(password_hash)


def test_two_hashes_of_one_password_differ_by_salt() -> None:
    assert hash_password("4821") != hash_password("4821")


def test_hashing_refuses_a_malformed_password() -> None:
    with pytest.raises(InvalidCredentialFormat):
        hash_password("48a1")


def test_hash_made_with_other_parameters_needs_rehash() -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("4821")
    assert verify_password(old, "4821")
    assert needs_rehash(old)


def test_dummy_verify_is_always_false() -> None:
    assert dummy_verify("000000") is False
    assert dummy_verify("4821") is False


@pytest.mark.parametrize("broken", ["", "4821", "$argon2id$garbage", "$2b$12$abcdefghijk"])
def test_unreadable_stored_hash_is_an_error_not_a_mismatch(broken: str) -> None:
    with pytest.raises(InvalidPasswordHash):
        verify_password(broken, "4821")
    with pytest.raises(InvalidPasswordHash):
        needs_rehash(broken)
