"""The business configuration: products, policies, hours, SLA targets, FAQ (a TOML file).

`bot/default_config.toml` documents every key; a file named by KEFU_CONFIG replaces it as a
whole. Sections left out of that file take the defaults below, which equal the shipped ones.
"""

import re
import tomllib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.automation.config import AutomationConfig
from domain.sla.calendar import BusinessCalendar, ClockKind
from domain.sla.durations import DurationKind, SlaDuration, parse_duration
from domain.sla.hours import DayHours, format_interval, parse_day_hours
from storage.enums import Language, Priority, TicketType

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ANY = "default"  # wildcard key in [sla.policies]
DEMO_OVERLAY = Path(__file__).with_name("demo.toml")  # the sandbox demo's short timings


def _duration(value: Any) -> SlaDuration:
    return value if isinstance(value, SlaDuration) else parse_duration(value)


# A target written "30m", "2h", "5d", "5wd" (see domain.sla.durations for what they mean).
Duration = Annotated[SlaDuration, BeforeValidator(_duration), PlainSerializer(str)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{value!r} is not an id: use a-z, 0-9, - and _ (like 'shower-set')")
    return value


Slug = Annotated[str, AfterValidator(_slug)]
NonEmpty = Annotated[str, Field(min_length=1)]


class SupportConfig(Section):
    reply_signature: Literal["staff_name", "team"] = "staff_name"
    reopen_days: int = Field(7, ge=0)
    conversation_timeout_minutes: float = Field(30, gt=0)
    language_default: Language = Language.EN


class LocalizedName(Section):
    en: NonEmpty
    zh_Hans: NonEmpty | None = None
    zh_Hant: NonEmpty | None = None

    def get(self, language: Language | str) -> str:
        """The name in `language` ("en", "zh_Hans", "zh_Hant"), or English if it has none."""
        return getattr(self, str(language), None) or self.en

    __call__ = get  # product.name(language) reads as well as product.name.get(language)


class Product(Section):
    id: Slug
    name: LocalizedName
    warranty_months: int = Field(ge=0, le=240)
    # Regular maintenance, every this many months from the purchase or the last service, and
    # what it is ("Replace the filter set"); a product without it gets no maintenance reminders.
    maintenance_months: int | None = Field(None, ge=1, le=120)
    maintenance_task: LocalizedName | None = None

    @model_validator(mode="after")
    def _task_with_interval(self) -> "Product":
        if (self.maintenance_months is None) != (self.maintenance_task is None):
            raise ValueError("maintenance_months and maintenance_task go together")
        return self


class ReturnsConfig(Section):
    """Windows in days, counted from the delivery date."""

    no_reason_return_days: int = Field(7, ge=0)
    quality_return_days: int = Field(7, ge=0)
    quality_exchange_days: int = Field(15, ge=0)


def _hours_text(hours: DayHours) -> list[str]:
    return [format_interval(interval) for interval in hours]


# One day's working hours, written ["09:00-12:00", "13:30-18:00"], kept as minute intervals.
Hours = Annotated[DayHours, PlainSerializer(_hours_text)]
_OFFICE = parse_day_hours("office", ["09:00-12:00", "13:30-18:00"])


class BusinessHours(Section):
    """Weekly working hours in the bot's time zone (KEFU_TIMEZONE), with exceptions.

    The arithmetic lives in `domain.sla.calendar`; `calendar(zone)` builds one from this.
    """

    mon: Hours = _OFFICE
    tue: Hours = _OFFICE
    wed: Hours = _OFFICE
    thu: Hours = _OFFICE
    fri: Hours = _OFFICE
    sat: Hours = ()
    sun: Hours = ()
    holidays: list[date] = Field(default_factory=list)
    extra_working_days: list[date] = Field(default_factory=list)
    extra_day_hours: Hours | None = _OFFICE  # None: Monday's hours

    @field_validator(*WEEKDAYS, "extra_day_hours", mode="before")
    @classmethod
    def _parse_hours(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or isinstance(value, tuple):
            return value
        return parse_day_hours(str(info.field_name), value)

    @model_validator(mode="after")
    def _consistent(self) -> "BusinessHours":
        if not any(getattr(self, day) for day in WEEKDAYS):
            raise ValueError("no working hours on any weekday")
        self.calendar(ZoneInfo("UTC"))  # the calendar's own checks (holiday vs working day)
        return self

    def calendar(self, zone: ZoneInfo) -> BusinessCalendar:
        return BusinessCalendar(
            tz=zone,
            weekly_hours=tuple(getattr(self, day) for day in WEEKDAYS),
            holidays=frozenset(self.holidays),
            extra_working_days=frozenset(self.extra_working_days),
            extra_day_hours=self.extra_day_hours,
        )


def _ticket_type_key(key: str) -> str:
    if key != ANY and key not in {t.value for t in TicketType}:
        allowed = ", ".join([*TicketType, ANY])
        raise ValueError(f"unknown ticket type {key!r}; use one of {allowed}")
    return key


def _priority_key(key: str) -> str:
    if key != ANY and key not in {p.value for p in Priority}:
        raise ValueError(f"unknown priority {key!r}; use one of {', '.join([*Priority, ANY])}")
    return key


class SlaPolicy(Section):
    """Targets for one ticket type and priority; a missing target means none."""

    clock: ClockKind = ClockKind.BUSINESS
    first_response: Duration | None = None
    resolution: Duration | None = None


def _default_policies() -> dict[str, dict[str, SlaPolicy]]:
    policy = SlaPolicy(first_response=parse_duration("2h"), resolution=parse_duration("5wd"))
    return {ANY: {ANY: policy}}


def _emergency_policy() -> SlaPolicy:
    return SlaPolicy(
        clock=ClockKind.CALENDAR,
        first_response=parse_duration("15m"),
        resolution=parse_duration("4h"),
    )


def _lead_times(values: list[SlaDuration]) -> list[SlaDuration]:
    for value in values:
        if value.kind is not DurationKind.TIME or value.value <= 0:
            raise ValueError(f"'{value}': a warning lead time is minutes or hours, like '30m'")
    return values


class SlaConfig(Section):
    policies: dict[
        Annotated[str, AfterValidator(_ticket_type_key)],
        dict[Annotated[str, AfterValidator(_priority_key)], SlaPolicy],
    ] = Field(default_factory=_default_policies)
    warn_at_percent: list[Annotated[int, Field(ge=1, le=99)]] = Field(default_factory=lambda: [75])
    warn_before: Annotated[list[Duration], AfterValidator(_lead_times)] = Field(
        default_factory=lambda: [parse_duration("30m")]
    )
    escalation_chat_id: int | None = None
    scan_interval_seconds: int = Field(60, ge=5, le=3600)
    # An emergency's targets, from the moment it is raised (`domain.desk.emergency`).
    emergency: SlaPolicy = Field(default_factory=_emergency_policy)

    @property
    def warn_lead_times(self) -> list[timedelta]:
        return [lead.as_timedelta() for lead in self.warn_before]

    def policy_for(self, type: TicketType, priority: Priority) -> SlaPolicy | None:
        """The most specific policy: type+priority, type, priority, then the default."""
        found = self.policy_key_for(type, priority)
        return None if found is None else self.policies[found[0]][found[1]]

    def policy_key_for(self, type: TicketType, priority: Priority) -> tuple[str, str] | None:
        """The (type, priority) keys of the policy `policy_for` picks, as written in the TOML."""
        for type_key, priority_key in (
            (type.value, priority.value),
            (type.value, ANY),
            (ANY, priority.value),
            (ANY, ANY),
        ):
            if priority_key in self.policies.get(type_key, {}):
                return type_key, priority_key
        return None

    def policy_named(self, name: str) -> SlaPolicy | None:
        """The policy stored on a ticket as "type.priority" (see `domain.sla.tracking`)."""
        type_key, _, priority_key = name.partition(".")
        return self.policies.get(type_key, {}).get(priority_key)


class FaqEntry(Section):
    id: Slug
    lang: Language
    question: NonEmpty
    answer: NonEmpty
    keywords: list[NonEmpty] = Field(default_factory=list)


class SurveysConfig(Section):
    csat_delay_minutes: float = Field(10, ge=0)  # fractions allowed: 0.5 is 30 seconds
    csat_expiry_hours: int = Field(72, ge=1)
    low_score_threshold: int = Field(2, ge=1, le=5)  # scores 1-5; this or lower alerts staff


class PrivacyConfig(Section):
    retention_days: int = Field(1095, ge=0)  # 0 keeps personal data until the customer asks


class CareConfig(Section):
    """After the service: the record sent on resolution, follow-up visits (回访), reminders."""

    currency: Annotated[str, Field(min_length=1, max_length=8)] = "CNY"  # of /charge amounts
    # Days after resolution before the customer is asked whether the problem stayed solved,
    # per ticket type; a type left out gets no visit.
    followup_days: dict[TicketType, Annotated[int, Field(ge=1, le=365)]] = Field(
        default_factory=lambda: {
            TicketType.REPAIR: 7,
            TicketType.INSTALLATION: 7,
            TicketType.MAINTENANCE: 30,
            TicketType.COMPLAINT: 3,
        }
    )
    # Reminders, sent once each from this hour of the business day on: of a warranty's end,
    # this many days before it (0: none), and of a product's maintenance, this many days before
    # it is due (0: on the day).
    warranty_reminder_days: int = Field(30, ge=0, le=365)
    maintenance_reminder_days: int = Field(7, ge=0, le=90)
    reminder_hour: int = Field(10, ge=0, le=23)
    # A care or training event's reminder goes to those registered this long before it begins.
    event_reminder_hours: int = Field(24, ge=1, le=14 * 24)


class ProfilesConfig(Section):
    """The yearly check of customer profiles (`domain.profiles.checks`)."""

    confirm_every_days: int = Field(365, ge=0, le=3650)  # 0: never ask
    recent_ticket_days: int = Field(90, ge=1, le=3650)


class FairUseConfig(Section):
    """What one customer may ask of the desk, so that one cannot crowd out the others."""

    # A token bucket per customer: `burst` updates at once, refilled at `per_minute`. Over it,
    # Kefu says "please wait" once and stays quiet; what they write to a ticket still reaches it.
    per_minute: float = Field(30, gt=0)
    burst: int = Field(20, ge=1)
    max_open_tickets: int = Field(5, ge=1)
    max_files_per_request: int = Field(10, ge=1)
    max_text_length: int = Field(2000, ge=100, le=4096)  # a flow's free-text answer


def _duplicates(values: list[Any]) -> list[Any]:
    return [value for value, count in Counter(values).items() if count > 1]


class Clause(Section):
    """One measurable promise of a contract (see [[compliance.clauses]] in default_config.toml)."""

    id: Slug
    title: LocalizedName
    metric: NonEmpty
    params: dict[str, Any] = Field(default_factory=dict)
    target: float
    source: str | None = None  # where the promise comes from, for whoever reads the TOML

    @model_validator(mode="after")
    def _known_metric(self) -> "Clause":
        from domain.reports.compliance import METRICS  # the registry, with every metric in it

        found = METRICS.get(self.metric)
        if found is None:
            raise ValueError(
                f"clause {self.id!r}: unknown metric {self.metric!r}; "
                f"known: {', '.join(sorted(METRICS))}"
            )
        try:
            found.check(self.params, self.target)
        except ValueError as error:
            raise ValueError(f"clause {self.id!r} ({self.metric}): {error}") from None
        return self


def _shipped_clauses() -> list[Clause]:
    """The shipped file's clauses (the seed contracts'), so a KEFU_CONFIG file without a
    [compliance] section measures the same promises; written once, in default_config.toml."""
    shipped = tomllib.loads(Path(__file__).with_name("default_config.toml").read_text("utf-8"))
    return [Clause.model_validate(clause) for clause in shipped["compliance"]["clauses"]]


class ComplianceConfig(Section):
    clauses: list[Clause] = Field(default_factory=_shipped_clauses)

    @field_validator("clauses")
    @classmethod
    def _unique_clauses(cls, clauses: list[Clause]) -> list[Clause]:
        if repeated := _duplicates([clause.id for clause in clauses]):
            raise ValueError(f"clause id {repeated[0]!r} is used twice")
        return clauses


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS_IN_FULL: tuple[Weekday, ...] = get_args(Weekday)  # Monday first, as date.weekday() counts


class ReportsConfig(Section):
    """When the scheduled reports go to every admin (in the business's time zone)."""

    scheduled: list[Literal["week", "month"]] = Field(default_factory=lambda: ["week", "month"])
    weekly_on: Weekday = "monday"
    monthly_on_day: int = Field(1, ge=1, le=28)
    hour: int = Field(9, ge=0, le=23)


_USERNAME = re.compile(r"^@[A-Za-z0-9_]{5,32}$")


def _staff_ref(value: int | str) -> int | str:
    if isinstance(value, str) and not _USERNAME.match(value):
        raise ValueError(f"{value!r}: a Telegram user id (a number) or an @username")
    if isinstance(value, int) and value <= 0:
        raise ValueError(f"{value}: a Telegram user id is a positive number")
    return value


StaffRef = Annotated[int | str, AfterValidator(_staff_ref)]


class RotaShift(Section):
    """Who is on duty for emergencies on these weekdays, in these hours (business time zone)."""

    days: Annotated[
        list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]], Field(min_length=1)
    ]
    hours: Hours = ((0, 24 * 60),)
    staff: Annotated[list[StaffRef], Field(min_length=1)]

    @field_validator("hours", mode="before")
    @classmethod
    def _parse_hours(cls, value: Any) -> Any:
        return value if isinstance(value, tuple) else parse_day_hours("hours", value)


class EmergencyConfig(Section):
    """Whom an emergency alert mentions: the shifts of `[[emergency.rota]]`."""

    rota: list[RotaShift] = Field(default_factory=list)


class BusinessConfig(Section):
    support: SupportConfig = Field(default_factory=SupportConfig)
    products: list[Product] = Field(default_factory=list)
    returns: ReturnsConfig = Field(default_factory=ReturnsConfig)
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    sla: SlaConfig = Field(default_factory=SlaConfig)
    faq: list[FaqEntry] = Field(default_factory=list)
    surveys: SurveysConfig = Field(default_factory=SurveysConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    fair_use: FairUseConfig = Field(default_factory=FairUseConfig)
    care: CareConfig = Field(default_factory=CareConfig)
    profiles: ProfilesConfig = Field(default_factory=ProfilesConfig)
    compliance: ComplianceConfig = Field(default_factory=ComplianceConfig)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)
    automation: AutomationConfig = Field(default_factory=AutomationConfig)
    emergency: EmergencyConfig = Field(default_factory=EmergencyConfig)

    @field_validator("products")
    @classmethod
    def _unique_products(cls, products: list[Product]) -> list[Product]:
        if repeated := _duplicates([p.id for p in products]):
            raise ValueError(f"product id {repeated[0]!r} is used twice")
        return products

    @field_validator("faq")
    @classmethod
    def _unique_faq(cls, faq: list[FaqEntry]) -> list[FaqEntry]:
        if repeated := _duplicates([(e.id, e.lang) for e in faq]):
            entry_id, lang = repeated[0]
            raise ValueError(f"entry {entry_id!r} appears twice in language {lang}")
        return faq

    @model_validator(mode="after")
    def _rules_name_known_products(self) -> "BusinessConfig":
        known = {product.id for product in self.products}
        for index, rule in enumerate(self.automation.rules):
            unknown = sorted(set(rule.when.product or ()) - known)
            if unknown:
                raise ValueError(
                    f"automation.rules[{index}].when.product: rule {rule.id!r} names "
                    f"{unknown[0]!r}, which is not one of [[products]]"
                )
        return self

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)

    def faq_for(self, language: Language) -> list[FaqEntry]:
        return [entry for entry in self.faq if entry.lang == language]


def with_overlay(config: BusinessConfig, source: Path) -> BusinessConfig:
    """`config` with the settings of `source` in place of its own, section by section: a key
    given there replaces the same key here (a table such as `[sla.policies]` as a whole), and
    every other key stays. `DEMO_OVERLAY` is the sandbox demo's."""
    overlay = tomllib.loads(source.read_text(encoding="utf-8"))
    sections: dict[str, Section] = {}
    for name, keys in overlay.items():
        current = getattr(config, name, None)
        if not isinstance(current, Section) or not isinstance(keys, dict):
            raise ValueError(f"{source.name}: [{name}] is not a section of settings")
        sections[name] = type(current).model_validate({**current.model_dump(), **keys})
    return config.model_copy(update=sections)
