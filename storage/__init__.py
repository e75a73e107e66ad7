"""Persistence: models, one repository module per aggregate, engine and migrations.

Never imports `telegram`: it knows tickets, not updates. Repositories take an `AsyncSession`
first and times as aware `now` datetimes; `Database.unit_of_work()` commits.
"""

# Every model module is imported here, so `storage.models.Base.metadata` (Alembic's target)
# always holds every table, whichever storage module is imported first.
from storage import automation_models as _automation_models  # noqa: F401
from storage import event_models as _event_models  # noqa: F401
from storage import profile_models as _profile_models  # noqa: F401
from storage import survey_models as _survey_models  # noqa: F401
from storage import template_models as _template_models  # noqa: F401
