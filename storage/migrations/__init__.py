"""Alembic migrations (a package so that installs ship them)."""
