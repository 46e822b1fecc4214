"""Where the data shipped with the package lives, in a source checkout and in an installed wheel.

A wheel carries ``faq/`` and ``migrations/`` inside ``bot/_shipped/`` (see pyproject.toml); a source
checkout (or an editable install) uses the folders at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_SHIPPED = _PACKAGE / "_shipped"
_CHECKOUT = _PACKAGE.parent


def _locate(name: str) -> Path:
    shipped = _SHIPPED / name
    return shipped if shipped.exists() else _CHECKOUT / name


def shipped_faq_dir() -> Path:
    """The knowledge base that ships with legaldesk."""
    return _locate("faq")


def migrations_dir() -> Path:
    """The Alembic migration scripts."""
    return _locate("migrations")


def alembic_ini() -> Path:
    """The Alembic configuration file."""
    return _locate("alembic.ini")


def law_texts_dir() -> Path:
    """The law texts shipped as package data."""
    return _PACKAGE / "lawtexts"
