"""The sandbox's web chat page: a browser UI for talking to the bot as any sandbox user.

``setup_web(app)`` registers two things on the sandbox's aiohttp application:

* ``GET /`` -- the single-page chat client, rendered from ``templates/index.html.j2``;
* ``GET /static/<path>`` -- its CSS, JavaScript modules and SVG icons from ``static/``.

The page itself is plain JavaScript (ES modules, no build step, nothing loaded from outside the
machine) and talks only to the sandbox's JSON control API under ``/sandbox/api/``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2
from aiohttp import web

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

API_BASE = "/sandbox/api"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _asset_version() -> str:
    """A short fingerprint of the static files, appended to their URLs to defeat stale caches."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def render_index() -> str:
    """The chat page's HTML."""
    template = _env.get_template("index.html.j2")
    config = {"apiBase": API_BASE, "version": _asset_version()}
    return template.render(version=config["version"], config=config)


async def _index(request: web.Request) -> web.Response:
    return web.Response(
        text=render_index(),
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-cache"},
    )


async def _static(request: web.Request) -> web.StreamResponse:
    rel = request.match_info["path"]
    path = (STATIC_DIR / rel).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise web.HTTPNotFound()
    # ES modules import each other by plain relative URLs, so rather than versioning every URL
    # the browser is asked to revalidate (a cheap 304 on localhost) each time.
    response = web.FileResponse(path, headers={"Cache-Control": "no-cache"})
    if path.suffix == ".js":
        response.content_type = "text/javascript"
    return response


def setup_web(app: web.Application) -> None:
    """Register the chat page (``GET /``) and its static files (``GET /static/...``) on ``app``."""
    app.router.add_get("/", _index)
    app.router.add_get("/static/{path:.+}", _static)
