"""A small round-robin reverse proxy, as a load balancer in front of several Kefu instances:
each webhook delivery goes to the next instance, and to the one after it when that one does
not answer (it was killed), as a load balancer's failover does. Test code, not shipped."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from tests.conftest import free_port


class RoundRobin:
    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = upstreams  # base URLs, "http://127.0.0.1:port"
        self._next = itertools.cycle(range(len(upstreams)))
        self.served: Counter[str] = Counter()  # deliveries each upstream answered 200
        self.refused: Counter[tuple[str, int]] = Counter()  # (upstream, status) of the others
        self.port = free_port()
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        first = next(self._next)
        for step in range(len(self.upstreams)):
            upstream = self.upstreams[(first + step) % len(self.upstreams)]
            try:
                async with self._session.request(
                    request.method, upstream + request.path_qs, data=body, headers=headers
                ) as answer:
                    payload = await answer.read()
                    if answer.status == 200:
                        self.served[upstream] += 1
                    else:
                        self.refused[(upstream, answer.status)] += 1
                    return web.Response(
                        status=answer.status,
                        body=payload,
                        content_type=answer.content_type,
                    )
            except aiohttp.ClientConnectionError:
                continue  # that instance is down: the next one
        return web.Response(status=502, text="no instance answered")

    @asynccontextmanager
    async def running(self) -> AsyncIterator[RoundRobin]:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        try:
            await web.TCPSite(runner, "127.0.0.1", self.port).start()
            yield self
        finally:
            await self._session.close()
            await runner.cleanup()
