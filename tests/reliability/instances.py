"""Several Kefu instances behind one address: real `python -m bot run --webhook` processes on
one database, with a round-robin proxy in front (`RoundRobin`) where Telegram's webhook
points, as a load balancer would be in a deployment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from sandbox.server import RunningSandbox
from tests.conftest import WEBHOOK_SECRET, free_port
from tests.reliability.process import KefuProcess
from tests.reliability.round_robin import RoundRobin


class Deployment:
    def __init__(
        self, sandbox: RunningSandbox, database_url: str, logs: Path, count: int, **env: str
    ) -> None:
        self.ports = ports = [free_port() for _ in range(count)]
        self.proxy = RoundRobin([f"http://127.0.0.1:{port}" for port in ports])
        self.instances = [
            KefuProcess(
                sandbox.base_url,
                database_url,
                logs / f"kefu-{index}.log",
                webhook=True,
                KEFU_WEBHOOK_URL=f"{self.proxy.url}/telegram/webhook",
                KEFU_WEBHOOK_SECRET=WEBHOOK_SECRET,
                KEFU_LISTEN=f"127.0.0.1:{port}",
                **env,
            )
            for index, port in enumerate(ports)
        ]

    async def counter(self, index: int, name: str, **labels: str) -> float:
        """A counter of instance `index`, from its /metrics (0 when it has no such sample)."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{self.ports[index]}/metrics") as response,
        ):
            text = await response.text()
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
        )

    def tails(self) -> str:
        return "\n".join(
            f"--- instance {index}:\n{kefu.tail(4000)}"
            for index, kefu in enumerate(self.instances)
        )

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Deployment]:
        """The proxy and every instance started (one after the other: each sets the webhook,
        which is how `ready` sees it is up); all stopped at the end."""
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(self.proxy.running())
            for kefu in self.instances:
                stack.push_async_callback(kefu.close)
            for kefu in self.instances:
                await kefu.start()
                await kefu.ready()
            yield self

    @property
    def first(self) -> KefuProcess:
        return self.instances[0]
