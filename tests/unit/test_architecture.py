"""The core stays transport- and storage-independent, and its modules import each other one way."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
CORE = BOT / "core"
FORBIDDEN = {
    "telegram",
    "wechatpy",
    "aiohttp",
    "sqlalchemy",
    "yaml",
    "click",
    "alembic",
    "aiosqlite",
    "asyncpg",
}


def _imported_modules(path: Path) -> set[str]:
    """Absolute module names imported by ``path``, including those under ``TYPE_CHECKING``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_packages(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imported_modules(path)}


def test_core_imports_no_adapter_library() -> None:
    offenders = {
        str(path.relative_to(CORE)): sorted(_top_packages(path) & FORBIDDEN)
        for path in CORE.rglob("*.py")
        if _top_packages(path) & FORBIDDEN
    }
    assert offenders == {}
    assert len(list(CORE.rglob("*.py"))) > 5  # the walk really looked at the core


def test_core_modules_import_each_other_without_a_circle() -> None:
    modules = {_module_name(path): path for path in CORE.rglob("*.py")}
    graph = {
        name: {m for m in _imported_modules(path) if m in modules and m != name}
        for name, path in modules.items()
    }
    circles: list[list[str]] = []
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            circles.append([*trail[trail.index(name) :], name])
            return
        if name in done:
            return
        for imported in sorted(graph[name]):
            visit(imported, [*trail, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    assert circles == []
    assert graph["bot.core.ports"] >= {"bot.core.interactions", "bot.core.cases"}  # edges seen
