"""Persistence: models, one repository module per aggregate, engine and migrations.

Never imports `telegram`: it knows tickets, not updates. Repositories take an `AsyncSession`
first and times as aware `now` datetimes; `Database.unit_of_work()` commits.
"""
