"""Random sessions of customers and staff against the real Kefu, through the sandbox.

Whatever people send or press, in whatever order and wherever (huge, blank-looking, right-to-left
or markup-like texts, media, old, double-tapped and forged buttons, commands in the wrong chat,
staff work in topics), after every session:

- no handler failed (nothing logged at ERROR by Kefu or PTB: "handler failed", an update left
  in the inbox, ...);
- Telegram refused none of Kefu's calls (no 400 "message is not modified", no double answer to
  a press, no text over 4096 characters, ...) and every press was answered exactly once;
- Kefu still answers: /help gets its reply, for a bystander and for everyone who acted, and
  /sla in the staff chat once staff have acted.

Each example gets a fresh sandbox, database and bot (a quarter of a second), so that a failure
shrinks to a sequence that fails on its own; the shrunk sequence is then tried without each of
its actions in turn. The bounded run (the one CI makes) plays the same sessions every time, from
a fixed seed, so that a red build means a change broke something and not that a new seed found an
old flaw; the long run (KEFU_SLOW_TESTS=1) draws a random seed each time, to find new ones.
The seed is printed on failure: KEFU_FUZZ_SEED=<seed> replays a run, and KEFU_FUZZ_EXAMPLES=<n>
sets the number of examples.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from tests import postgres
from tests.fuzz.actions import Action, sessions
from tests.fuzz.databases import PostgresTemplate, SqliteTemplate, Template
from tests.fuzz.world import FuzzWorld

SLOW = os.environ.get("KEFU_SLOW_TESTS") == "1"
BOUNDED_SEED = 20261201
SEED = int(
    os.environ.get("KEFU_FUZZ_SEED")
    or (random.SystemRandom().randrange(2**32) if SLOW else BOUNDED_SEED)
)
EXAMPLES = os.environ.get("KEFU_FUZZ_EXAMPLES")  # overrides either test's number of examples


@pytest.fixture(params=["sqlite", "postgresql"])
def template(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Template]:
    """The migrated database every example's database is copied from."""
    made: Template | None
    if request.param == "sqlite":
        made = SqliteTemplate(tmp_path)
    else:
        made = asyncio.run(PostgresTemplate.create())
        if made is None:
            pytest.skip(postgres.UNREACHABLE)
    asyncio.run(made.prepare())
    try:
        yield made
    finally:
        asyncio.run(made.dispose())


class Unhealthy(AssertionError):
    """A session after which Kefu was not healthy; `problems` says how."""

    def __init__(self, problems: list[str], report: str) -> None:
        super().__init__(report)
        self.problems = problems


async def play(session: list[Action], template: Template) -> None:
    async with template.fresh() as database_url, FuzzWorld.open(database_url) as world:
        for action in session:
            await world.perform(action)
        problems = await world.problems()
        if problems:
            raise Unhealthy(
                problems,
                f"{len(problems)} problem(s) (replay the run with KEFU_FUZZ_SEED={SEED}):\n"
                + "\n".join(f"- {p}" for p in problems)
                + "\n\nwhat happened:\n"
                + "\n".join(f"  {line}" for line in world.transcript)
                + "\n\n"
                + await world.describe_chats(),
            )


def fuzz(template: Template, *, examples: int, actions: int) -> None:
    failed: list[list[Action]] = []

    @seed(SEED)
    @settings(
        max_examples=int(EXAMPLES) if EXAMPLES else examples,
        deadline=None,
        database=None,  # nothing written into the working tree; the seed replays a run
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        # No "explain" phase: it replays the failure many more times, to say little here.
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(session=sessions(actions))
    def any_session_leaves_kefu_healthy(session: list[Action]) -> None:
        try:
            asyncio.run(play(session, template))
        except Unhealthy:
            failed.append(session)
            raise

    print(f"fuzzing with KEFU_FUZZ_SEED={SEED}")
    try:
        any_session_leaves_kefu_healthy()
        return
    except Unhealthy as found:
        failure = found
    # Hypothesis replays its shrunk example last; its shrinker often leaves actions in front
    # that play no part, so try the sequence without each of them. (Outside the except block:
    # Kefu's own exceptions would otherwise carry this one as their context.)
    shorter = drop_bystanders(failed[-1], failure.problems, template)
    if shorter is None:
        raise failure
    raise shorter from failure


def drop_bystanders(
    session: list[Action], problems: list[str], template: Template
) -> Unhealthy | None:
    """The failure of the shortest sequence left by removing actions one at a time while the
    first problem stays; None if no action could go."""
    wanted = _kind(problems[0])
    shortest: Unhealthy | None = None
    i = 0
    while i < len(session) and len(session) > 1:
        candidate = session[:i] + session[i + 1 :]
        try:
            asyncio.run(play(candidate, template))
        except Unhealthy as failure:
            if wanted in map(_kind, failure.problems):
                session, shortest = candidate, failure
                shortest.args = (f"reduced to {candidate!r}\n{failure.args[0]}",)
                continue
        i += 1
    return shortest


def _kind(problem: str) -> str:
    """A problem without its particulars (ids, message numbers, times)."""
    return re.sub(r"\d+", "N", problem.split("\n", 1)[0])


# PostgreSQL gets fewer examples: what differs there is the database, not the conversation.
CI_EXAMPLES = {"sqlite": 20, "postgresql": 10}


@pytest.mark.timeout(900)  # generating takes well under a minute; shrinking a failure, longer
def test_random_sessions_leave_kefu_healthy(template: Template) -> None:
    kind = "sqlite" if isinstance(template, SqliteTemplate) else "postgresql"
    fuzz(template, examples=CI_EXAMPLES[kind], actions=10)


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.skipif(not SLOW, reason="the long fuzzing run needs KEFU_SLOW_TESTS=1")
def test_long_random_sessions_leave_kefu_healthy(template: Template) -> None:
    fuzz(template, examples=400, actions=30)
