"""The sandbox demo: a staff desk, a staff member, an admin and two customers, ready to chat.

Its timings (SLA targets of minutes, the survey half a minute after /resolve) are in
bot/demo.toml, applied by `bot.bootstrap.build_services(..., demo_sla=True)`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from aiohttp import web

from sandbox.client import SandboxClient

DEMO_TOKEN = "7000000001:KEFU-SANDBOX-DEMO-TOKEN"


@dataclass(frozen=True)
class DemoCast:
    staff_chat_id: int = -1001000000001
    customers: list[int] = field(default_factory=lambda: [1001, 1002])
    staff: list[int] = field(default_factory=lambda: [2001])
    admins: list[int] = field(default_factory=lambda: [3001])


CAST = DemoCast()


async def seed(base_url: str, cast: DemoCast = CAST) -> None:
    async with SandboxClient(base_url) as sandbox:
        await sandbox.create_user(1001, "Alice", username="alice_w", language_code="en")
        await sandbox.create_user(1002, "王芳", username="wangfang", language_code="zh-hans")
        await sandbox.create_user(2001, "Li Wei", username="liwei_support", language_code="en")
        await sandbox.create_user(3001, "Amy Admin", username="amy_admin", language_code="en")
        await sandbox.create_group(
            cast.staff_chat_id,
            "Kefu Staff Desk",
            is_forum=True,
            members=[*cast.staff, *cast.admins],
            admins=cast.admins,
        )


def add_demo_route(app: web.Application, cast: DemoCast = CAST) -> None:
    async def describe(_request: web.Request) -> web.Response:
        return web.json_response(asdict(cast))

    app.router.add_get("/sandbox/api/demo", describe)
