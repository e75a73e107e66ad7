"""Reply templates' pure rules: which names and texts are saved, how a text is filled in, and
which language's text a customer gets."""

from __future__ import annotations

import pytest

from domain.templates.placeholders import (
    MAX_TEXT,
    Chosen,
    Problem,
    ProblemKind,
    fill,
    parse_name,
    problem_in,
    text_for,
)

VALUES = {
    "customer": "Alice",
    "ticket": "K-000007",
    "product": "ZeroG M8 massage chair",
    "due": "2026-12-02 17:00 CST",
    "staff": "Li Wei",
}


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("filter-change", "filter-change"),
        ("  Filter-Change ", "filter-change"),
        ("m8", "m8"),
        ("x", None),  # too short
        ("a" * 33, None),  # too long
        ("filter change", None),
        ("filter_change", None),
        ("-filter", None),
        ("filter--change", None),
        ("滤芯", None),
        ("", None),
    ],
)
def test_a_name_is_a_short_slug(typed: str, name: str | None) -> None:
    assert parse_name(typed) == name


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Hello {customer}, ticket {ticket} is done.", None),
        ("{customer}{ticket}{product}{due}{staff}", None),
        ("No placeholders at all.", None),
        ("Hello {name}!", Problem(ProblemKind.UNKNOWN_PLACEHOLDER, "{name}")),
        ("Hi {customer}, see {Customer}", Problem(ProblemKind.UNKNOWN_PLACEHOLDER, "{Customer}")),
        ("Hello { customer }", Problem(ProblemKind.UNKNOWN_PLACEHOLDER, "{ customer }")),
        ("Hello {customer", Problem(ProblemKind.BRACES)),
        ("Hello customer}", Problem(ProblemKind.BRACES)),
        ("Hello {{customer}}", Problem(ProblemKind.BRACES)),
        ("Empty {} braces", Problem(ProblemKind.BRACES)),
        ("   ", Problem(ProblemKind.EMPTY)),
        ("x" * MAX_TEXT, None),
        ("x" * (MAX_TEXT + 1), Problem(ProblemKind.TOO_LONG)),
    ],
)
def test_a_text_is_refused_for_what_could_not_be_filled_in(
    text: str, problem: Problem | None
) -> None:
    assert problem_in(text) == problem


def test_a_signed_text_at_the_limit_still_fits_one_message() -> None:
    signature = "— " + "N" * 128 + ", Support"  # Telegram names: 64 + 64 characters at most
    assert MAX_TEXT + len("\n\n") + len(signature) <= 4096 - 128  # room for the placeholders


@pytest.mark.parametrize(
    ("text", "filled"),
    [
        ("Hello {customer}, {ticket} is done.", "Hello Alice, K-000007 is done."),
        ("{staff} will visit before {due}.", "Li Wei will visit before 2026-12-02 17:00 CST."),
        (
            "Your {product} and your {product}",
            "Your ZeroG M8 massage chair and your ZeroG M8 massage chair",
        ),
        ("No placeholders.", "No placeholders."),
    ],
)
def test_a_text_is_filled_in(text: str, filled: str) -> None:
    assert fill(text, VALUES) == filled


def test_a_value_holding_braces_is_not_filled_in_again() -> None:
    assert fill("Dear {customer}", {**VALUES, "customer": "{due}"}) == "Dear {due}"


TEXTS = {"en": "Hello", "zh_Hans": "您好"}


@pytest.mark.parametrize(
    ("language", "chosen"),
    [
        ("en", Chosen("Hello", "en", fell_back=False)),
        ("zh_Hans", Chosen("您好", "zh_Hans", fell_back=False)),
        ("zh_Hant", Chosen("Hello", "en", fell_back=True)),
    ],
)
def test_a_customer_gets_their_language_or_english(language: str, chosen: Chosen) -> None:
    assert text_for(TEXTS, language) == chosen
