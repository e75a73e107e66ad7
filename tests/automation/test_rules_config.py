"""Automation rules are checked when Kefu starts: a mistake is refused with its key named, in
one plain sentence, before Kefu talks to anyone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_business_config

ROOT = Path(__file__).resolve().parents[2]
VALID = """
[[automation.rules]]
id = "leak"
trigger = "ticket_created"
[automation.rules.when]
type = ["repair"]
keywords = ["leak", "漏水"]
business_hours = false
[automation.rules.then]
priority = "urgent"
assign = { id = 2001, name = "Li Wei" }
note = "Call the customer back."
"""


def _rule(body: str) -> str:
    return f'[[automation.rules]]\nid = "r1"\ntrigger = "ticket_created"\n{body}'


def _load(tmp_path: Path, text: str):
    path = tmp_path / "kefu.toml"
    path.write_text(text, encoding="utf-8")
    return load_business_config(path)


def test_a_valid_rule_is_read_with_its_trigger_conditions_and_actions(tmp_path: Path) -> None:
    (rule,) = _load(tmp_path, VALID).automation.rules
    assert rule.trigger == "ticket_created"
    assert rule.when.keywords == ["leak", "漏水"] and rule.when.business_hours is False
    assert rule.then.assign is not None and rule.then.assign.name == "Li Wei"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (_rule('when.regex = "(unclosed"\nthen.note = "x"\n'), "automation.rules[0].when.regex"),
        (_rule('when.product = ["no-such-thing"]\nthen.note = "x"\n'), "when.product"),
        (_rule('when.colour = "red"\nthen.note = "x"\n'), "automation.rules[0].when.colour"),
        (_rule('then.priority = "whenever"\n'), "automation.rules[0].then.priority"),
        (_rule("[automation.rules.then]\n"), "automation.rules[0].then"),
        (_rule("then.assign = { id = 2001 }\n"), "automation.rules[0].then.assign.name"),
        (
            '[[automation.rules]]\nid = "r1"\ntrigger = "created"\nthen.note = "x"\n',
            "automation.rules[0].trigger",
        ),
        (
            '[[automation.rules]]\nid = "Bad Id"\ntrigger = "low_csat"\nthen.note = "x"\n',
            "automation.rules[0].id",
        ),
        (_rule('then.note = "x"\n') + "\n" + _rule('then.note = "y"\n'), "used twice"),
    ],
)
def test_a_mistaken_rule_is_refused_with_its_key_named(
    tmp_path: Path, body: str, named: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, body)
    assert named in str(refused.value)


def test_kefu_does_not_start_with_a_mistaken_rule_and_says_which(tmp_path: Path) -> None:
    config = tmp_path / "kefu.toml"
    config.write_text(_rule('when.regex = "[a-"\nthen.note = "x"\n'), encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env = {**clean, "KEFU_BOT_TOKEN": "123:abc", "KEFU_CONFIG": str(config)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "automation.rules[0].when.regex" in result.stderr
    assert "Traceback" not in result.stderr
