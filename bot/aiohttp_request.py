"""Kefu's calls to the Bot API over aiohttp instead of PTB's default httpx.

Profiled under load (docs/benchmarks.md), httpx, httpcore, anyio and h11 were two fifths of
Kefu's CPU: every Bot API call crosses four pure-Python layers, where aiohttp's client parses
HTTP in C. aiohttp is already Kefu's web server (webhook, health, sandbox), so this adds no
dependency. PTB supports any transport through `BaseRequest`; its maintainers keep one for
aiohttp in ptbcontrib, which is not published on PyPI, so this is Kefu's own, written to
PTB's contract:
- the parameters go as a form (multipart when there are files), as HTTPXRequest sends them;
- a timeout raises `telegram.error.TimedOut`, any other failure `NetworkError`, so PTB's
  retries and Kefu's error handling see what they would see with httpx;
- the defaults are HTTPXRequest's: 5 s to connect, read and write, 1 s to wait for a pooled
  connection, 20 s to upload a file, and certifi's certificate authorities.

aiohttp has no write timeout, so an upload is bounded as a whole: its write allowance plus the
read timeout.
"""

from __future__ import annotations

import re
import ssl

import aiohttp
import certifi

# PTB's own HTTPXRequest takes these two from here: the "not given" marker of `do_request`.
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_TOKEN_IN_URL = re.compile(r"(/(?:file/)?bot)[^/\s]+")


class AiohttpRequest(BaseRequest):
    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        # Made in `initialize`: an aiohttp session belongs to the running event loop.
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """PTB adds a long poll's own timeout to this for getUpdates."""
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # The CA bundle httpx would trust (certifi), not whatever the host or image has.
            trusted = ssl.create_default_context(cafile=certifi.where())
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ssl=trusted),
                # PTB reads the status and the bytes itself; cookies mean nothing to the Bot API.
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        has_files = bool(request_data and request_data.contains_files)
        timeout = self._timeout(
            _given(read_timeout, self._read_timeout),
            _given(write_timeout, self._media_write_timeout if has_files else None),
            _given(connect_timeout, self._connect_timeout),
            _given(pool_timeout, self._pool_timeout),
            has_files,
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as error:
            raise TimedOut(
                "Timed out waiting for a connection to the Bot API (pool or connect timeout); "
                "the request was not sent."
            ) from error
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # The class name says what failed when the error's own text is empty. Some of
            # aiohttp's texts hold the URL, and the URL holds the bot's token.
            text = _TOKEN_IN_URL.sub(r"\1<token>", str(error))
            raise NetworkError(f"aiohttp.{type(error).__name__}: {text}") from error

    @staticmethod
    def _timeout(
        read: float | None,
        write: float | None,
        connect: float | None,
        pool: float | None,
        has_files: bool,
    ) -> aiohttp.ClientTimeout:
        # aiohttp's `connect` covers waiting for a pooled connection and opening a new one.
        waiting = None if pool is None or connect is None else pool + connect
        whole = None
        if has_files and write is not None and read is not None:
            whole = write + read
        return aiohttp.ClientTimeout(
            total=whole, connect=waiting, sock_connect=connect, sock_read=read
        )


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | None:
    if request_data is None or not request_data.parameters:
        return None
    # Unquoted: aiohttp would otherwise percent-encode a file's name, and Telegram shows the
    # name as sent ("%E6%9C%8D….pdf" for 服务记录.pdf); httpx sends it as UTF-8.
    form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
    for name, (filename, content, mime_type) in (request_data.multipart_data or {}).items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
