"""Kefu's metrics in Prometheus' text format (`GET /metrics`).

One registry of Kefu's own, so what `/metrics` shows is Kefu's and nothing a library registers
by default. Counters count from the process's start, as Prometheus expects (it computes rates
and survives restarts itself); gauges that need the database (the inbox backlog, tickets by
status) are refreshed by the health heartbeat (`bot.health`), not on each scrape, so a scrape
never waits for the database.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter(
    "kefu_updates_handled_total",
    "Telegram updates handled, by type and outcome (handled, or kept for a retry)",
    ["type", "outcome"],
    registry=REGISTRY,
)
UPDATE_SECONDS = Histogram(
    "kefu_update_handling_seconds",
    "Time from taking an update from the inbox to marking it handled",
    ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
HANDLER_ERRORS = Counter(
    "kefu_handler_errors_total", "Errors a handler raised (logged; the update is answered)",
    registry=REGISTRY,
)  # fmt: skip
INBOX_BACKLOG = Gauge(
    "kefu_inbox_backlog", "Updates stored and not handled yet", registry=REGISTRY
)
TICKETS = Gauge("kefu_tickets", "Tickets by status", ["status"], registry=REGISTRY)
SLA_ALERTS = Counter(
    "kefu_sla_alerts_total", "SLA alerts posted, by level (warning, breach)", ["level"],
    registry=REGISTRY,
)  # fmt: skip
SURVEY_ANSWERS = Counter(
    "kefu_survey_answers_total", "Survey answers received, by survey (csat, nps, visit)",
    ["survey"], registry=REGISTRY,
)  # fmt: skip
CAMPAIGN_SENDS = Counter(
    "kefu_campaign_sends_total", "Campaign messages, by outcome", ["outcome"], registry=REGISTRY
)
TELEGRAM_ERRORS = Counter(
    "kefu_telegram_api_errors_total", "Bot API calls that failed, by method and error code",
    ["method", "code"], registry=REGISTRY,
)  # fmt: skip
SEND_BUDGET_WAIT = Histogram(
    "kefu_send_budget_wait_seconds",
    "Time a Bot API call waited for the send budget (Telegram's limits) before it went out",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60),
    registry=REGISTRY,
)


def exposition() -> tuple[bytes, str]:
    """The body and content type of a scrape."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
