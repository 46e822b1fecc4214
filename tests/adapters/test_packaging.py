"""A plain install (not editable) must carry the knowledge base, law texts and migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_wheel_ships_faq_law_texts_and_migrations(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("legaldesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    faq = {n for n in names if n.startswith("bot/_shipped/faq/") and n.endswith(".yaml")}
    assert {Path(n).name for n in faq} >= {"marriage-family.yaml", "fraud.yaml", "lexicon.yaml"}
    assert "bot/_shipped/alembic.ini" in names
    assert "bot/_shipped/migrations/env.py" in names
    assert any(n.startswith("bot/_shipped/migrations/versions/") for n in names)
    assert "bot/lawtexts/civil-code.md" in names and "bot/lawtexts/index.yaml" in names
    # the web console serves its templates and static files from the package (no CDN)
    assert "bot/adapters/web/templates/base.html" in names
    assert "bot/adapters/web/static/console.css" in names
    assert not any("__pycache__" in n or n.startswith("tests/") for n in names)
