"""Configuration: defaults that work, environment parsing, and errors that name their key."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.business_config import (
    BusinessHours,
    CareConfig,
    ComplianceConfig,
    PrivacyConfig,
    ReportsConfig,
    ReturnsConfig,
    SupportConfig,
    SurveysConfig,
    with_overlay,
)
from bot.config import DEFAULT_CONFIG, ConfigError, load, load_business_config, load_settings
from domain.sla import ClockKind
from storage.enums import Language, Priority, TicketType

# -- Settings (environment) ------------------------------------------------------------------


def test_settings_default_to_a_local_sqlite_file_in_shanghai():
    settings = load_settings({})

    assert settings.database_url == "sqlite+aiosqlite:///kefu.db"
    assert settings.timezone == "Asia/Shanghai" and settings.zone.key == "Asia/Shanghai"
    assert (settings.bot_token, settings.staff_chat_id, settings.config) == (None, None, None)
    assert (settings.admin_ids, settings.log_level) == ([], "INFO")


def test_settings_read_the_environment(tmp_path):
    settings = load_settings(
        {
            "KEFU_BOT_TOKEN": "123456:ABC-secret",
            "KEFU_WEBHOOK_SECRET": "hush-hush_42",
            "KEFU_DATABASE_URL": "postgresql://kefu@db/kefu",
            "KEFU_STAFF_CHAT_ID": "-1001234567890",
            "KEFU_ADMIN_IDS": "1, 2,3",
            "KEFU_TIMEZONE": "Asia/Taipei",
            "KEFU_CONFIG": str(tmp_path / "kefu.toml"),
            "KEFU_LOG_LEVEL": "debug",
            "UNRELATED": "ignored",
        }
    )

    assert settings.bot_token.get_secret_value() == "123456:ABC-secret"
    assert "ABC-secret" not in repr(settings) and "hush-hush_42" not in repr(settings)
    assert settings.database_url == "postgresql+asyncpg://kefu@db/kefu"
    assert settings.staff_chat_id == -1001234567890
    assert settings.admin_ids == [1, 2, 3]
    assert settings.zone.key == "Asia/Taipei"
    assert settings.config == tmp_path / "kefu.toml"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("given", "expected"), [("7", [7]), ("1,2,3", [1, 2, 3]), ("[4, 5]", [4, 5]), ("", [])]
)
def test_admin_ids_are_comma_separated(given, expected):
    assert load_settings({"KEFU_ADMIN_IDS": given}).admin_ids == expected


def test_settings_come_from_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("KEFU_ADMIN_IDS", "42,43")

    assert load_settings().admin_ids == [42, 43]


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"KEFU_TIMEZONE": "Mars/Base"}, "KEFU_TIMEZONE: unknown time zone 'Mars/Base'"),
        (
            {"KEFU_ADMIN_IDS": "1,alice"},
            "KEFU_ADMIN_IDS: 'alice' is not a Telegram user id; write ids like 1,2,3",
        ),
        (
            {"KEFU_STAFF_CHAT_ID": "staff"},
            "KEFU_STAFF_CHAT_ID: must be a whole number, not 'staff'",
        ),
        (
            {"KEFU_LOG_LEVEL": "loud"},
            "KEFU_LOG_LEVEL: must be 'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL', "
            "not 'LOUD'",
        ),
        ({"KEFU_DATABASE_URL": "mysql://db/kefu"}, "KEFU_DATABASE_URL: unsupported database"),
    ],
)
def test_a_bad_setting_names_its_variable(env, line):
    with pytest.raises(ConfigError) as caught:
        load_settings(env)

    assert caught.value.problems[0].startswith(line)


def test_a_bad_database_url_is_not_echoed():
    with pytest.raises(ConfigError) as caught:
        load_settings({"KEFU_DATABASE_URL": "kefu:hunter2"})

    assert "hunter2" not in str(caught.value)


def test_every_bad_setting_is_reported_at_once():
    with pytest.raises(ConfigError) as caught:
        load_settings({"KEFU_TIMEZONE": "Nowhere", "KEFU_STAFF_CHAT_ID": "x"})

    assert len(str(caught.value).splitlines()) == 2


# -- Business configuration (TOML) -----------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return load_business_config(None)


def test_the_shipped_configuration_loads(shipped):
    assert [p.id for p in shipped.products][:3] == [
        "ro-purifier-600",
        "ro-filter-set",
        "massage-chair-m8",
    ]
    assert shipped.product("bp-monitor-bp2").warranty_months == 60
    assert shipped.product("toilet-seat-s3").name.get(Language.ZH_HANT) == "S3 智能馬桶蓋"
    assert shipped.returns.quality_exchange_days == 15
    assert shipped.sla.warn_at_percent == [75]
    assert shipped.sla.warn_lead_times == [timedelta(minutes=30)]


def test_the_shipped_faq_answers_the_same_questions_in_every_language(shipped):
    ids = {language: [e.id for e in shipped.faq_for(language)] for language in Language}

    assert ids[Language.EN] == ids[Language.ZH_HANS] == ids[Language.ZH_HANT]
    assert len(ids[Language.EN]) == 6
    assert all(entry.keywords for entry in shipped.faq)


def test_the_shipped_values_are_the_built_in_defaults(shipped):
    # A KEFU_CONFIG file that leaves a section out gets the same behaviour as the shipped file.
    assert shipped.support == SupportConfig()
    assert shipped.returns == ReturnsConfig()
    assert shipped.surveys == SurveysConfig()
    assert shipped.privacy == PrivacyConfig()
    assert shipped.compliance == ComplianceConfig()
    assert shipped.reports == ReportsConfig()
    assert shipped.care == CareConfig()
    weekly = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "extra_day_hours")
    defaults = BusinessHours()
    assert [getattr(shipped.business_hours, d) for d in weekly] == [
        getattr(defaults, d) for d in weekly
    ]


@pytest.mark.parametrize(
    ("type", "priority", "clock", "first_response", "resolution"),
    [
        (TicketType.REPAIR, Priority.URGENT, "calendar", "30m", "4h"),
        (TicketType.REPAIR, Priority.NORMAL, "business", "2h", "5wd"),
        (TicketType.COMPLAINT, Priority.HIGH, "business", "2h", "5wd"),
        (TicketType.CONSULTATION, Priority.LOW, "business", "2h", "2wd"),
    ],
)
def test_the_most_specific_sla_policy_applies(
    shipped, type, priority, clock, first_response, resolution
):
    policy = shipped.sla.policy_for(type, priority)

    assert policy.clock == ClockKind(clock)
    assert (str(policy.first_response), str(policy.resolution)) == (first_response, resolution)


def test_the_business_hours_make_the_sla_calendar(shipped):
    calendar = shipped.business_hours.calendar(load_settings({}).zone)

    assert calendar.tz.key == "Asia/Shanghai"
    assert calendar.hours_on(date(2026, 10, 1)) == ()  # National Day, a Thursday
    assert calendar.hours_on(date(2026, 10, 10)) == ((540, 720), (810, 1080))  # make-up Saturday
    assert calendar.hours_on(date(2026, 3, 7)) == ()  # an ordinary Saturday
    assert calendar.hours_on(date(2026, 3, 2)) == ((540, 720), (810, 1080))  # a Monday


def test_products_are_named_in_the_customers_language(shipped):
    seat = shipped.product("toilet-seat-s3")

    assert seat.name(Language.ZH_HANT) == seat.name.get("zh_Hant") == "S3 智能馬桶蓋"
    assert seat.name("fr") == "S3 smart toilet seat"
    assert shipped.product("no-such-thing") is None


def test_a_user_file_replaces_the_shipped_one(tmp_path):
    path = tmp_path / "kefu.toml"
    path.write_text('[support]\nreply_signature = "team"\n', encoding="utf-8")

    settings, config = load({"KEFU_CONFIG": str(path)})

    assert settings.config == path
    assert config.support.reply_signature == "team"
    assert config.products == [] and config.faq == []
    assert config.returns == ReturnsConfig()


@pytest.mark.parametrize(
    ("toml", "line"),
    [
        (
            '[sla.policies.repair.urgent]\nclock = "calendar"\nfirst_response = "4 hours"',
            "sla.policies.repair.urgent.first_response: SLA target '4 hours': expected minutes, "
            "hours, days or working days, like '30m', '2h', '1h30m', '5d' or '5wd'",
        ),
        (
            '[sla.policies.repair.urgent]\nclock = "sometimes"',
            "sla.policies.repair.urgent.clock: must be 'business' or 'calendar', not 'sometimes'",
        ),
        (
            '[sla.policies.repair.asap]\nresolution = "5wd"',
            "sla.policies.repair.asap: unknown priority 'asap'",
        ),
        (
            '[sla.policies.refund.default]\nresolution = "5wd"',
            "sla.policies.refund: unknown ticket type 'refund'",
        ),
        ("[sla]\nwarn_at_percent = [0]", "sla.warn_at_percent[0]: must be ≥ 1"),
        ('[sla]\nwarn_before = ["1wd"]', "sla.warn_before: '1wd': a warning lead time is"),
        (
            "\n".join(
                f'[[products]]\nid = "p{i}"\nname.en = "P"\nwarranty_months = {m}'
                for i, m in enumerate([12, 24, -1])
            ),
            "products[2].warranty_months: must be ≥ 0",
        ),
        (
            '[[products]]\nid = "Shower Set"\nname.en = "S"\nwarranty_months = 1',
            "products[0].id: 'Shower Set' is not an id",
        ),
        (
            '[[products]]\nid = "a"\nname.en = "A"\nwarranty_months = 1\n' * 2,
            "products: product id 'a' is used twice",
        ),
        ('[[products]]\nid = "a"\nwarranty_months = 1', "products[0].name: is required"),
        ('[support]\nreopen_days = "a week"', "support.reopen_days: must be a whole number"),
        ('[support]\ncolour = "blue"', "support.colour: unknown key"),
        ('[support]\nlanguage_default = "fr"', "support.language_default: must be 'en', "),
        ("[surveys]\nlow_score_threshold = 6", "surveys.low_score_threshold: must be ≤ 5"),
        ("[surveys]\ncsat_delay_minutes = -0.5", "surveys.csat_delay_minutes: must be ≥ 0"),
        (
            '[business_hours]\nmon = ["9-18"]',
            "business_hours.mon: working hours '9-18': expected 'HH:MM-HH:MM'",
        ),
        (
            '[business_hours]\ntue = ["09:00-18:00", "12:00-13:00"]',
            "business_hours.tue: working hours for 'tue': '09:00-18:00' overlaps '12:00-13:00'",
        ),
        (
            "[business_hours]\nholidays = [2026-10-10]\nextra_working_days = [2026-10-10]",
            "business_hours: dates both holiday and extra working day: 2026-10-10",
        ),
        (
            "[business_hours]\n"
            + "\n".join(f"{d} = []" for d in ("mon", "tue", "wed", "thu", "fri")),
            "business_hours: no working hours on any weekday",
        ),
        ('[business_hours]\nholidays = ["soon"]', "business_hours.holidays[0]: must be a date"),
        (
            '[[faq]]\nid = "x"\nlang = "en"\nquestion = "Q"\nanswer = "A"\n' * 2,
            "faq: entry 'x' appears twice in language en",
        ),
    ],
)
def test_a_bad_value_names_its_key(tmp_path, toml, line):
    path = tmp_path / "kefu.toml"
    path.write_text(toml, encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_business_config(path)

    assert caught.value.problems[0].startswith(line), caught.value.problems
    assert caught.value.source == path


@pytest.mark.parametrize(("written", "delay"), [("10", 10), ("0.5", 0.5), ("0", 0)])
def test_the_survey_delay_is_minutes_or_a_fraction_of_one(tmp_path, written, delay):
    path = tmp_path / "kefu.toml"
    path.write_text(f"[surveys]\ncsat_delay_minutes = {written}\n", encoding="utf-8")

    assert load_business_config(path).surveys.csat_delay_minutes == delay


def test_an_overlay_replaces_only_the_keys_it_gives(shipped, tmp_path):
    overlay = tmp_path / "overlay.toml"
    overlay.write_text(
        '[surveys]\ncsat_delay_minutes = 1\n[sla]\nwarn_before = ["5m"]\n', encoding="utf-8"
    )

    config = with_overlay(shipped, overlay)

    assert config.surveys == shipped.surveys.model_copy(update={"csat_delay_minutes": 1})
    assert config.sla.warn_lead_times == [timedelta(minutes=5)]
    assert config.sla.policies == shipped.sla.policies
    assert config.sla.warn_at_percent == shipped.sla.warn_at_percent
    assert (config.support, config.products, config.faq) == (
        shipped.support,
        shipped.products,
        shipped.faq,
    )


def test_an_overlay_table_replaces_the_whole_table(shipped, tmp_path):
    overlay = tmp_path / "overlay.toml"
    overlay.write_text('[sla.policies.complaint.default]\nresolution = "1d"\n', encoding="utf-8")

    config = with_overlay(shipped, overlay)

    assert list(config.sla.policies) == ["complaint"]
    assert config.sla.policy_for(TicketType.REPAIR, Priority.URGENT) is None


@pytest.mark.parametrize(
    ("toml", "error", "match"),
    [
        ("[surveys]\ncsat_delay_minutes = -1\n", ValidationError, "csat_delay_minutes"),
        ("[surveys]\ncolour = 'blue'\n", ValidationError, "colour"),
        ('[[products]]\nid = "a"\nname.en = "A"\nwarranty_months = 1\n', ValueError, "products"),
        ("[weather]\nsunny = true\n", ValueError, r"overlay.toml: \[weather\] is not a section"),
    ],
)
def test_an_overlay_is_checked_like_the_configuration(shipped, tmp_path, toml, error, match):
    overlay = tmp_path / "overlay.toml"
    overlay.write_text(toml, encoding="utf-8")

    with pytest.raises(error, match=match):
        with_overlay(shipped, overlay)


def test_every_problem_gets_its_own_line(tmp_path):
    path = tmp_path / "kefu.toml"
    path.write_text("[support]\nreopen_days = -1\nconversation_timeout_minutes = 0\n")

    with pytest.raises(ConfigError) as caught:
        load_business_config(path)

    assert str(caught.value).splitlines() == [
        "support.reopen_days: must be ≥ 0",
        "support.conversation_timeout_minutes: must be > 0.0",
    ]


def test_a_missing_file_names_kefu_config_and_the_path(tmp_path):
    path = tmp_path / "nowhere.toml"

    with pytest.raises(ConfigError, match=f"KEFU_CONFIG: no such file: {path}"):
        load_business_config(path)


def test_invalid_toml_names_the_line(tmp_path):
    path = tmp_path / "kefu.toml"
    path.write_text("[support]\nreopen_days = = 3\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"KEFU_CONFIG: .*kefu.toml is not valid TOML: .*line 2"):
        load_business_config(path)


def test_the_default_file_ships_inside_the_package():
    assert Path(__file__).parents[1] / "bot" / "default_config.toml" == DEFAULT_CONFIG
    assert DEFAULT_CONFIG.is_file()


def test_the_shipped_clauses_are_titled_in_every_language(shipped):
    # The report's compliance section names each clause in the reader's language.
    assert len(shipped.compliance.clauses) == 8
    for clause in shipped.compliance.clauses:
        assert clause.title.zh_Hans and clause.title.zh_Hant, clause.id
        assert clause.source, f"{clause.id}: say which contract the promise comes from"


@pytest.mark.parametrize(
    ("clause", "error"),
    [
        ('metric = "speed"\ntarget = 1.0', "unknown metric 'speed'"),
        ('metric = "first_response_within"\ntarget = 1.0', "needs params.within"),
        ('metric = "first_response_within"\nparams = { within = "5wd" }\ntarget = 1', "in hours"),
        ('metric = "complaints_handled"\ntarget = 95', "0.95 for 95 %"),
        ('metric = "reopen_rate_at_most"\nparams = { days = 3 }\ntarget = 0.1', "unknown params"),
    ],
)
def test_a_wrong_clause_stops_the_configuration(tmp_path, clause, error):
    path = tmp_path / "kefu.toml"
    path.write_text(
        f'[[compliance.clauses]]\nid = "x"\ntitle = {{ en = "X" }}\n{clause}\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=re.escape(error)):
        load_business_config(path)
