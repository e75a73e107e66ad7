"""Alembic environment. Runs on the connection `storage.migrate` opens and hands over in
`config.attributes["connection"]`, so the SQLite pragmas and BEGIN IMMEDIATE of
`storage.db.create_engine` apply to migrations too; there is no alembic.ini.
"""

from alembic import context

from storage.migrate import context_options

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.migrate (python -m bot migrate)")
context.configure(connection=connection, **context_options())
with context.begin_transaction():
    context.run_migrations()
