"""Whether a database's schema is already at this code's newest revision, found without
Alembic.

Every start of Kefu migrates its database first (`storage.migrate.upgrade`), and almost every
time there is nothing to do. Alembic, its migration scripts and their imports add a fifth of a
second and several megabytes to the process for that. So a start reads the revision the
database is at (Alembic's own `alembic_version` table) and compares it with the newest script's,
named by its file (`NNNN_slug.py`, `storage.migrate.alembic_config`); only when they differ does
it load Alembic and upgrade.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text

from storage.db import CONNECT_ERRORS, create_engine

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_NUMBERED = re.compile(r"^(\d{4})_\w+\.py$")


def newest_revision() -> str:
    """The revision of the newest migration script: revisions are numbered 0001, 0002, ..."""
    return max(m[1] for path in VERSIONS.iterdir() if (m := _NUMBERED.match(path.name)))


async def is_current(url: str) -> bool:
    """True if the database is at the newest revision; False if not, or if it could not be
    read (never migrated, unreachable: the upgrade that follows says what is wrong)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    except (*CONNECT_ERRORS, LookupError):
        return False
    finally:
        await engine.dispose()
    return found == newest_revision()
