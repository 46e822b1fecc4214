"""Load the shipped law texts (``bot/lawtexts``: index.yaml + one Markdown file per law)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.core.law import LawLibrary, LawText, parse_law_markdown

SHIPPED_LAW_DIR = Path(__file__).resolve().parent.parent / "lawtexts"


class LawFileError(ValueError):
    """A law file or the index is missing or breaks the format; the message names the file."""


def load_law_library(directory: Path | None = None) -> LawLibrary:
    """Read ``index.yaml`` and every law file it lists from ``directory`` (default: shipped)."""
    root = directory if directory is not None else SHIPPED_LAW_DIR
    index_path = root / "index.yaml"
    laws = [_load_law(root, index_path, i, item) for i, item in enumerate(_read_index(index_path))]
    try:
        return LawLibrary(tuple(laws))
    except ValueError as exc:
        raise LawFileError(f"{index_path}: {exc}") from exc


def _read_index(index_path: Path) -> list[Any]:
    try:
        data = yaml.safe_load(index_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LawFileError(f"{index_path}: cannot read the law index: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema") != 1:
        raise LawFileError(f"{index_path}: expected a mapping with 'schema: 1'")
    laws = data.get("laws")
    if not isinstance(laws, list) or not laws:
        raise LawFileError(f"{index_path}: 'laws' must be a non-empty list")
    return laws


def _load_law(root: Path, index_path: Path, position: int, item: Any) -> LawText:
    where = f"{index_path}: laws[{position}]"
    if not isinstance(item, dict):
        raise LawFileError(f"{where}: expected a mapping with short, file, title")
    fields = {}
    for key in ("short", "file", "title"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise LawFileError(f"{where}: '{key}' must be a non-empty string")
        fields[key] = value.strip()
    aliases = item.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise LawFileError(f"{where} ({fields['short']}): 'aliases' must be a list of names")
    path = root / fields["file"]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LawFileError(f"{path}: cannot read law file for {fields['short']}: {exc}") from exc
    try:
        return parse_law_markdown(
            fields["short"], fields["title"], text, tuple(a.strip() for a in aliases)
        )
    except ValueError as exc:
        raise LawFileError(f"{path}: {exc}") from exc
