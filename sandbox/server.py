"""Building the sandbox's aiohttp application and running it on a port.

app = create_app(default_bot_token="123:ABC")          # to run it yourself
running = await start_sandbox(port=0)                  # in-process, on a free port
... running.base_url, running.state ...
await running.stop()
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.botapi.routes import setup_botapi
from sandbox.control import setup_control
from sandbox.state import STATE_KEY, SandboxConfig, SandboxState

MAX_BODY = 60 * 1024 * 1024  # Telegram takes uploads of up to 50 MB
SHUTDOWN_TIMEOUT = 2.0
log = logging.getLogger(__name__)


def create_app(
    *,
    default_bot_token: str | None = None,
    flood_limits: bool = True,
    config: SandboxConfig | None = None,
    **settings: Any,
) -> web.Application:
    """The sandbox as an aiohttp app; `settings` are SandboxConfig fields (e.g. bot_first_name,
    bot_username, per_second, per_group_per_minute, callback_query_ttl, webhook_retry_base,
    webhook_retry_max, webhook_timeout, accept_tokens, max_upload_bytes)."""
    base = config or SandboxConfig()
    config = dataclasses.replace(
        base,
        default_bot_token=default_bot_token or base.default_bot_token,
        flood_limits=flood_limits and base.flood_limits,
        **settings,
    )
    app = web.Application(client_max_size=MAX_BODY)
    app[STATE_KEY] = SandboxState(config)
    setup_botapi(app)
    setup_control(app)
    try:
        from sandbox.web import setup_web
    except ImportError:  # the web chat page is optional
        pass
    else:
        setup_web(app)
    app.on_shutdown.append(_close_state)
    return app


async def _close_state(app: web.Application) -> None:
    # Ends long polls, hanging faults and webhook deliveries so shutdown is quick.
    await app[STATE_KEY].close()


@dataclass
class RunningSandbox:
    app: web.Application
    runner: web.AppRunner
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def bot_api_url(self) -> str:
        """For PTB's base_url(...) and aiogram's TelegramAPIServer.from_base(base_url)."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """For PTB's base_file_url(...)."""
        return f"{self.base_url}/file/bot"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/sandbox/api"

    @property
    def state(self) -> SandboxState:
        return self.app[STATE_KEY]

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    setup: Callable[[web.Application], None] | None = None,
    **kw: Any,
) -> RunningSandbox:
    """Starts the sandbox in this event loop; port 0 picks a free port (see .port).

    `setup` may add routes of its own (the Kefu demo adds /sandbox/api/demo) before start.
    `kw` go to create_app (default_bot_token, flood_limits, max_upload_bytes, ...). A host
    beyond loopback logs a WARNING: the control API lets anyone there act as anyone.
    """
    app = create_app(**kw)
    if setup is not None:
        setup(app)
    # handler_cancellation: a long poll whose client went away stops waiting.
    runner = web.AppRunner(
        app, handler_cancellation=True, shutdown_timeout=SHUTDOWN_TIMEOUT, access_log=None
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = runner.addresses[0][1]
    if not is_loopback(host):
        log.warning(exposure_warning(host, bound_port))
    return RunningSandbox(app, runner, host, bound_port)


def is_loopback(host: str | None) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if not host:
        return False  # aiohttp binds every interface
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may well resolve to a public address


def exposure_warning(host: str | None, port: int) -> str:
    return (
        f"THE KEFU SANDBOX IS LISTENING ON {host or '*'}:{port}, BEYOND THIS MACHINE. "
        "Its control API (/sandbox/api) and web chat have no authentication: anyone who can "
        "reach this port can write and press buttons as any user, read every chat and file, "
        "change the flood limits and faults, and reset everything. "
        "Bind to 127.0.0.1 (the default) unless everyone on this network may do that."
    )
