"""The sandbox is a tool of its own: it runs and imports without any of Kefu."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SANDBOX = Path(__file__).resolve().parents[2] / "sandbox"
KEFU_PACKAGES = {"bot", "domain", "handlers", "storage", "tests", "bench"}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize(
    "path", sorted(SANDBOX.rglob("*.py")), ids=lambda p: str(p.relative_to(SANDBOX))
)
def test_no_sandbox_module_imports_kefu(path: Path) -> None:
    assert not _imported_roots(path) & KEFU_PACKAGES


def test_the_whole_sandbox_loads_without_kefu() -> None:
    kefu = sorted(KEFU_PACKAGES)
    probe = (
        "import sys, pkgutil, importlib, sandbox\n"
        "for m in pkgutil.walk_packages(sandbox.__path__, 'sandbox.'):\n"
        "    importlib.import_module(m.name)\n"
        f"print(sorted({{n.split('.')[0] for n in sys.modules}} & set({kefu!r})))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=SANDBOX.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == "[]"


def test_python_dash_m_sandbox_explains_itself() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "sandbox", "--help"],
        cwd=SANDBOX.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "offline Telegram Bot API" in " ".join(shown.stdout.split())
