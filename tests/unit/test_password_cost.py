"""argon2's cost is a setting: production keeps the library's default, tests run at its minimum."""

from __future__ import annotations

import pytest


def test_production_keeps_the_librarys_default_cost():
    from argon2 import PasswordHasher

    from core.accounts import PasswordHashing
    from core.settings import Settings

    default = Settings.model_fields["argon2_profile"].default
    assert default == "RFC_9106_LOW_MEMORY"
    assert PasswordHashing(default)._hasher.time_cost == PasswordHasher().time_cost
    assert PasswordHashing(default)._hasher.memory_cost == PasswordHasher().memory_cost


def test_the_tests_hash_at_the_cheapest_profile_and_a_hash_keeps_its_own_cost():
    from argon2 import extract_parameters, profiles

    from core.accounts import PasswordHashing
    from core.settings import Settings

    assert Settings().argon2_profile == "CHEAPEST"  # set by tests/conftest.py
    cheap = PasswordHashing("CHEAPEST")
    hashed = cheap.hash("long-enough-1")
    assert extract_parameters(hashed).memory_cost == profiles.CHEAPEST.memory_cost
    assert PasswordHashing("RFC_9106_LOW_MEMORY").verify(hashed, "long-enough-1")  # checked at its own cost
    assert not cheap.verify(hashed, "wrong") and not cheap.verify("not a hash", "x")


def test_an_unknown_profile_is_refused_by_name():
    from core.accounts import PasswordHashing
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="JIANDU_ARGON2_PROFILE: 'FAST'"):
        PasswordHashing("FAST")
