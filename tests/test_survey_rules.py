"""The pure parts of surveys: scores, callback data, schedules, question parsing, backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.campaigns.buttons import AdminAction, AdminButton
from domain.campaigns.delivery import backoff
from domain.campaigns.schedule import add_months, next_quarterly_run
from domain.surveys.buttons import Action, SurveyButton
from domain.surveys.results import Response, scale, summarize
from handlers.admin.campaign_compose import parse_question
from storage.survey_models import CampaignKind


@pytest.mark.parametrize(
    ("answers", "nps"),
    [
        ([10, 9, 9, 10], 100.0),
        ([0, 3, 6, 6], -100.0),
        ([7, 8], 0.0),
        ([10, 9, 8, 7, 6], 20.0),  # 2 promoters, 1 detractor, 5 answers
    ],
)
def test_net_promoter_score_is_promoters_minus_detractors(answers: list[int], nps: float):
    responses = [Response(True, value) for value in answers]
    assert summarize(CampaignKind.NPS, scale(CampaignKind.NPS), responses).nps == nps


def test_csat_average_distribution_and_answer_rate_ignore_the_unanswered():
    responses = [
        Response(True, 5, "Great"),
        Response(True, 4),
        Response(True, None),
        Response(True, 9),  # not on the scale: a forged value is ignored
        Response(False, None),
    ]
    summary = summarize(CampaignKind.CSAT, scale(CampaignKind.CSAT), responses)
    assert summary.distribution == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}
    assert summary.average == 4.5 and summary.nps is None
    assert summary.delivered == 4 and summary.answer_rate == 0.5
    assert summary.comments == ["Great"]


@pytest.mark.parametrize(
    ("data", "parsed"),
    [
        ("sv:t:12:5", SurveyButton(Action.TICKET, 12, 5)),
        ("sv:c:7:0", SurveyButton(Action.CAMPAIGN, 7, 0)),
        ("sv:stop", SurveyButton(Action.STOP)),
        ("sv:t:12", None),
        ("sv:t:-1:5", None),
        ("sv:stop:3", None),
        ("sv:x:1:1", None),
        ("desk:claim:1", None),
        (None, None),
    ],
)
def test_survey_callback_data_is_parsed_strictly(data: str | None, parsed: SurveyButton | None):
    assert SurveyButton.parse(data) == parsed
    if parsed is not None:
        assert SurveyButton.parse(parsed.encode()) == parsed


@pytest.mark.parametrize(
    ("data", "parsed"),
    [
        ("ca:pause:3:0", AdminButton(AdminAction.PAUSE, 3)),
        ("ca:tickets:0:90", AdminButton(AdminAction.TICKETS, days=90)),
        ("ca:drop:3:0", None),
        ("ca:pause:x:0", None),
    ],
)
def test_admin_callback_data_is_parsed_strictly(data: str, parsed: AdminButton | None):
    assert AdminButton.parse(data) == parsed


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 1, 15, 9, tzinfo=UTC), 3, datetime(2026, 4, 15, 9, tzinfo=UTC)),
        (datetime(2026, 11, 30, tzinfo=UTC), 3, datetime(2027, 2, 28, tzinfo=UTC)),
        (datetime(2027, 11, 30, tzinfo=UTC), 3, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 8, 31, tzinfo=UTC), 3, datetime(2026, 11, 30, tzinfo=UTC)),
    ],
)
def test_months_are_added_on_the_calendar(moment: datetime, months: int, expected: datetime):
    assert add_months(moment, months) == expected


def test_quarters_missed_while_down_are_skipped_not_sent_in_a_burst():
    previous = datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert next_quarterly_run(previous, previous) == datetime(2026, 4, 1, 10, tzinfo=UTC)
    late = datetime(2026, 8, 1, tzinfo=UTC)
    assert next_quarterly_run(previous, late) == datetime(2026, 10, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("Would you recommend us?", CampaignKind.NPS, ("Would you recommend us?", [])),
        ("Which colour?\n- Red\n- Blue", CampaignKind.CHOICE, ("Which colour?", ["Red", "Blue"])),
        ("颜色？\n1. 红\n2、蓝\n• 绿", CampaignKind.CHOICE, ("颜色？", ["红", "蓝", "绿"])),
        ("Which colour?\n- Red", CampaignKind.CHOICE, None),  # one option is no choice
        ("- Red\n- Blue", CampaignKind.CHOICE, None),  # no question
        ("x" * 1001, CampaignKind.CSAT, None),
    ],
)  # fmt: skip
def test_campaign_questions_are_read_from_what_the_admin_typed(text, kind, expected):
    assert parse_question(text, kind) == expected


def test_backoff_doubles_up_to_five_minutes():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(30) == timedelta(minutes=5)
