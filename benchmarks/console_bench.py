"""Web console speed: pages served per second with a busy queue, and the cost of a sign-in.

Run: ``.venv/bin/python benchmarks/console_bench.py [--cases 200] [--requests 300]``.

Builds a migrated SQLite database in a temporary folder, opens ``--cases`` cases through the
resident use case, signs an adviser in with a one-time link, then times ``--requests``
sequential GETs of the queue page, of its polled rows and of one case page, over real HTTP
(aiohttp's test server on 127.0.0.1), and one password sign-in (argon2id, default parameters).
Target: the queue with 200 waiting cases in < 50 ms per request.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.web import build_web_app
from bot.app import build_services, load_knowledge
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.core.ports import Person
from bot.storage.migrate import upgrade
from bot.storage.uow import create_engine

CONFIG = """
timezone: Asia/Shanghai
advisers:
  - {telegram_id: 9001, name: 李律师, role: adviser, shifts: ["mon-fri 10:00-19:30"]}
web: {base_url: "http://127.0.0.1", secure_cookies: false}
"""
QUESTION = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"


class _Silent:
    async def send(self, message: object) -> object:
        from bot.core.ports import Delivery, DeliveryOutcome

        return Delivery(DeliveryOutcome.SENT, message_id=1)


async def _time(client: TestClient, path: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = await client.get(path)
        await response.read()
        assert response.status == 200, (path, response.status)
        times.append((time.perf_counter() - start) * 1000)
    return times


async def main(cases: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()
        config = Path(folder) / "legaldesk.yaml"
        config.write_text(CONFIG, encoding="utf-8")
        settings = load_settings(config, {"DATABASE_URL": url}, cwd=Path(folder))
        clock = ManualClock(datetime(2026, 11, 25, 2, 30, tzinfo=UTC))
        services = build_services(settings, load_knowledge(settings), clock)
        services.attach_transport(_Silent())  # type: ignore[arg-type]
        for i in range(cases):
            await services.desk.ask(Person(10_000 + i, 10_000 + i, f"居民{i}"), QUESTION)
        batch = await services.console.request_link(9001)
        token = re.search(r"/signin/([\w-]+)", batch.messages[0].text).group(1)  # type: ignore[union-attr]
        client = TestClient(TestServer(build_web_app(services)))
        await client.start_server()
        try:
            page = await (await client.get(f"/signin/{token}")).text()
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            await client.post("/signin/link", data={"csrf": csrf, "token": token})
            print(f"{cases} active cases, {requests} sequential requests each (SQLite)")
            for path in ("/queue", "/queue/rows", "/cases/1", "/report?period=2026-11"):
                times = await _time(client, path, requests if "report" not in path else 20)
                print(
                    f"  GET {path:24} median {statistics.median(times):6.1f} ms   "
                    f"p90 {statistics.quantiles(times, n=10)[-1]:6.1f} ms"
                )
            await services.console.set_password("李律师", "a long enough password")
            start = time.perf_counter()
            await services.console.sign_in_password("李律师", "a long enough password", "bench")
            took = (time.perf_counter() - start) * 1000
            print(f"  password sign-in (argon2id verify) {took:.0f} ms")
        finally:
            await client.close()
            await services.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.requests))
