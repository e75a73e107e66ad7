"""What a customer types into their profile, and the tags staff type: accepted as what, or
refused for which problem."""

from __future__ import annotations

import pytest

from domain.profiles.fields import (
    FieldError,
    Problem,
    contact_phone,
    parse_address,
    parse_name,
    parse_phone,
    parse_tag,
)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("+86 139 4172 5386", "+86 139 4172 5386"),
        ("  139-4172-5386 ", "139-4172-5386"),
        ("(021) 5555.1234", "(021) 5555.1234"),
        ("123456", "123456"),  # six digits: the fewest
        ("+" + "1" * 20, "+" + "1" * 20),  # twenty: the most
        ("１３９ ４１７２ ５３８６", "139 4172 5386"),  # full-width, as a Chinese keyboard types
    ],
)
def test_a_phone_number_is_kept_as_typed(typed: str, kept: str) -> None:
    assert parse_phone(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "1" * 21,
        "call me",
        "+86 139 +4172",
        "139 4172 5386 ext",
        "",
        "١٣٩٤١٧٢٥٣٨٦",  # Arabic-Indic digits: not what a phone in China is dialled with
    ],
)
def test_what_is_not_a_phone_number_is_refused(typed: str) -> None:
    with pytest.raises(FieldError) as raised:
        parse_phone(typed)
    assert raised.value.problem == Problem.NOT_A_PHONE


@pytest.mark.parametrize(
    ("shared", "kept"), [("8613729648051", "+8613729648051"), ("+1555", "+1555")]
)
def test_a_shared_contact_gets_its_plus(shared: str, kept: str) -> None:
    assert contact_phone(shared) == kept


@pytest.mark.parametrize(
    ("typed", "outcome"),
    [
        ("  Alice   Wong ", "Alice Wong"),
        ("王芳", "王芳"),
        ("A" * 64, "A" * 64),
        ("A" * 65, Problem.TOO_LONG),
        ("   ", Problem.EMPTY),
    ],
)
def test_a_name(typed: str, outcome: str | Problem) -> None:
    if isinstance(outcome, Problem):
        with pytest.raises(FieldError) as raised:
            parse_name(typed)
        assert raised.value.problem == outcome
    else:
        assert parse_name(typed) == outcome


@pytest.mark.parametrize(
    ("typed", "outcome"),
    [
        ("12 Garden Road,\nShanghai", "12 Garden Road, Shanghai"),
        ("1 Rd", Problem.TOO_SHORT),
        ("x" * 301, Problem.TOO_LONG),
    ],
)
def test_an_address(typed: str, outcome: str | Problem) -> None:
    if isinstance(outcome, Problem):
        with pytest.raises(FieldError) as raised:
            parse_address(typed)
        assert raised.value.problem == outcome
    else:
        assert parse_address(typed) == outcome


@pytest.mark.parametrize(
    ("typed", "outcome"),
    [
        ("VIP", "vip"),
        ("key-account", "key-account"),
        ("经销商", "经销商"),
        ("two words", Problem.NOT_A_TAG),
        ("-dash", Problem.NOT_A_TAG),
        ("<b>", Problem.NOT_A_TAG),
        ("x" * 33, Problem.TOO_LONG),
        ("", Problem.EMPTY),
    ],
)
def test_a_tag(typed: str, outcome: str | Problem) -> None:
    if isinstance(outcome, Problem):
        with pytest.raises(FieldError) as raised:
            parse_tag(typed)
        assert raised.value.problem == outcome
    else:
        assert parse_tag(typed) == outcome
