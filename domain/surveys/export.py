"""Survey answers as CSV files for a spreadsheet.

UTF-8 with a byte-order mark, so spreadsheet programs read Chinese comments correctly. Customers
appear by Kefu's customer id only: names stay in Kefu.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from storage.campaigns import AnswerRow
from storage.surveys import SurveyRow


def _time(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def campaign_csv(rows: Iterable[AnswerRow], labels: dict[int, str]) -> bytes:
    header = (
        "run", "customer_id", "language", "delivery", "sent_at",
        "answer", "answer_label", "comment", "answered_at",
    )  # fmt: skip
    return _csv(
        header,
        (
            (
                row.run,
                row.customer_id,
                row.language or "",
                row.status.value,
                _time(row.sent_at),
                "" if row.answer is None else row.answer,
                labels.get(row.answer, "") if row.answer is not None else "",
                row.comment or "",
                _time(row.answered_at),
            )
            for row in rows
        ),
    )


def ticket_survey_csv(rows: Iterable[SurveyRow]) -> bytes:
    header = ("ticket", "customer_id", "language", "sent_at", "score", "comment", "answered_at")
    return _csv(
        header,
        (
            (
                row.number,
                row.customer_id,
                row.language,
                _time(row.sent_at),
                "" if row.score is None else row.score,
                row.comment or "",
                _time(row.answered_at),
            )
            for row in rows
        ),
    )
