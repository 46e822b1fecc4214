"""Starting the real ``legaldesk run`` process for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from tests.conftest import REPO


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports on 127.0.0.1 (all held open together while picked)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port() -> int:
    return free_ports(1)[0]


@asynccontextmanager
async def legaldesk_run(
    folder: Path,
    config: str,
    env: Mapping[str, str],
    *,
    name: str = "desk",
    args: Iterable[str] = (),
    secrets: Iterable[str] = (),
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot run [args]`` with ``config`` as its legaldesk.yaml and ``env`` (tokens,
    secrets, the database URL) added to this process's environment without its own ``TELEGRAM_``
    and ``WECHAT_`` variables. Its output goes to ``<folder>/<name>.log``; it is killed on exit if
    the test left it running, and none of ``secrets`` may then appear in that log."""
    path = folder / f"{name}.yaml"
    path.write_text(config, encoding="utf-8")
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WECHAT_"))}
    full = inherited | {"LEGALDESK_CONFIG": str(path), **env}
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "run", *args), cwd=REPO, env=full, stdout=out, stderr=out
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    written = log.read_text(encoding="utf-8", errors="replace")
    for secret in secrets:
        assert secret not in written


async def stop(process: asyncio.subprocess.Process) -> int:
    """SIGTERM, and the exit code of the graceful stop."""
    process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), timeout=30)
