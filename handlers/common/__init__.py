"""What every audience shares: the middleware, the fallbacks and the error handler, the flow
machinery, menus, button codecs, consent, intake, and the gates.
"""

from __future__ import annotations

from handlers.common import answers, fallback, middleware
from handlers.common.groups import LAST, MAIN, MIDDLEWARE, Handlers


def build_handlers() -> Handlers:
    return {
        MIDDLEWARE: middleware.build_handlers(),
        MAIN: fallback.build_handlers(),  # registered last: whatever nothing else took
        LAST: answers.build_handlers(),
    }
