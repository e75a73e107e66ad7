"""The house rules that keep the layout easy to change, checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from a.b import c` may import the module a.b.c: both names count.
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imports(path)}


@pytest.mark.parametrize("path", _modules("domain"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_never_imports_the_telegram_edge(path: Path) -> None:
    assert "handlers" not in _roots(path)


@pytest.mark.parametrize("path", _modules("handlers"), ids=lambda p: str(p.relative_to(ROOT)))
def test_handlers_say_what_not_how(path: Path) -> None:
    assert "sqlalchemy" not in _roots(path)


@pytest.mark.parametrize("path", _modules("storage"), ids=lambda p: str(p.relative_to(ROOT)))
def test_storage_knows_tickets_not_updates(path: Path) -> None:
    assert not _roots(path) & {"telegram", "handlers", "domain"}


@pytest.mark.parametrize(
    "path", _modules("handlers/customer"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_a_customer_flow_knows_nothing_of_another(path: Path) -> None:
    """A flow is a module of handlers/customer, or a package there (one feature's modules)."""
    customer = ROOT / "handlers/customer"
    # One deliberate exception: over the fair-use share, what a customer writes still reaches
    # their ticket, by the follow-up's own quiet path (`followup.quietly`).
    allowed = {"handlers.customer.followup"} if path.stem == "fair_use" else set()

    def flow(p: Path) -> str:
        return p.relative_to(customer).parts[0].removesuffix(".py")

    if path.parent == customer and path.stem == "__init__":
        return  # the audience's own package assembles its flows
    others: set[str] = set()
    for p in _modules("handlers/customer"):
        if (p.parent != customer or p.stem != "__init__") and flow(p) != flow(path):
            dotted = ".".join(p.relative_to(ROOT).with_suffix("").parts)
            others |= {dotted, dotted.removesuffix(".__init__")}
    assert not (_imports(path) - allowed) & others


def test_the_shell_holds_no_business_logic() -> None:
    shell = {p.stem for p in (ROOT / "bot").glob("*.py")}
    assert not [p for p in (ROOT / "bot").iterdir() if p.is_dir() and p.name != "__pycache__"]
    assert not shell & {"desk", "desk_card", "staff", "promises", "retention"}


@pytest.mark.parametrize("path", _modules("handlers"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_handler_splits_callback_data_by_hand(path: Path) -> None:
    if path.name == "buttons.py":
        return  # the codec itself
    source = path.read_text(encoding="utf-8")
    assert ".data.split(" not in source and ".data.rsplit(" not in source
    assert 'startswith("menu:")' not in source
