"""The FAQ search finds the right answer for questions asked in customers' own words."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from domain.rules.faq import search_faq


@dataclass(frozen=True)
class Entry:
    question: str
    answer: str = ""
    keywords: list[str] = field(default_factory=list)


ENGLISH = [
    Entry("How long is the warranty?", keywords=["warranty", "guarantee"]),
    Entry("How do I replace the water filter?", keywords=["filter", "cartridge"]),
    Entry("Can I return a product I don't like?", keywords=["return", "refund"]),
]
CHINESE = [
    Entry("保修期是多久？", keywords=["保修", "质保"]),
    Entry("如何更换滤芯？", keywords=["滤芯", "更换"]),
    Entry("可以七天无理由退货吗？", keywords=["退货", "退款"]),
]


@pytest.mark.parametrize(
    ("query", "entries", "expected"),
    [
        ("what is the warranty period", ENGLISH, "How long is the warranty?"),
        ("how to change the filtre", ENGLISH, "How do I replace the water filter?"),  # typo
        ("I want a refund", ENGLISH, "Can I return a product I don't like?"),
        ("滤芯多久换一次", CHINESE, "如何更换滤芯？"),
        ("我的热水器保修多长时间", CHINESE, "保修期是多久？"),
        ("不想要了能退货吗", CHINESE, "可以七天无理由退货吗？"),
    ],
)
def test_best_answer_comes_first(query: str, entries: list[Entry], expected: str) -> None:
    matches = search_faq(query, entries)
    assert matches and matches[0].entry.question == expected


@pytest.mark.parametrize(
    ("query", "entries"), [("do you sell pizza", ENGLISH), ("今天天气怎么样", CHINESE)]
)
def test_unrelated_questions_find_nothing(query: str, entries: list[Entry]) -> None:
    assert search_faq(query, entries) == []
