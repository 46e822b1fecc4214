"""Where a command's output goes: a file, or standard output."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def emit(data: bytes, output: Path | None) -> str | None:
    """Write ``data`` to ``output`` (standard output if None); why it failed, if it did."""
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return None
    try:
        output.write_bytes(data)
    except OSError as exc:
        return str(exc.strerror or exc)
    return None


def unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be written (checked before the work, not instead of handling errors)."""
    folder = path.parent
    if path.is_dir():
        return "这是一个文件夹，请给出文件名"
    if not folder.is_dir():
        return f"文件夹 {folder} 不存在"
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return "没有写入权限"
    return None
