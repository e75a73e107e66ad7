"""The after-ticket survey's periodic work: `surveys:csat` every 30 s sends the surveys of
tickets resolved `csat_delay_minutes` ago, and any low-score alert a crash kept from going out
(`domain.surveys.csat`)."""

from __future__ import annotations

from telegram.ext import JobQueue

from domain.surveys import csat


def schedule_jobs(jobs: JobQueue) -> None:
    jobs.run_repeating(
        csat.scan_job, interval=csat.SCAN_INTERVAL_SECONDS, first=5, name="surveys:csat"
    )
