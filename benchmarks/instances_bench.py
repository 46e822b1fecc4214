"""Updates per second of 1, 2, 3 ... real ``legaldesk run`` instances on one PostgreSQL database,
in webhook mode behind a round-robin proxy (tests/lbproxy.py), at Bot API latency.

Used by ``benchmarks/e2e_bench.py --instances 1 2 3`` (see there). Each count gets a fresh
database and a fresh fake Bot API whose every call takes ``latency`` seconds longer; the same
burst (residents × messages FAQ questions) is injected and the clock stops at the last reply.
The fake server, the proxy and the instances share this machine's cores: on a small machine the
numbers flatten once the CPU, not Telegram's latency, is what the instances wait for.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

from tests.e2e.instances import WEBHOOK_PATH, instance
from tests.e2e.process import free_port
from tests.fakebotapi import FakeBotApi
from tests.lbproxy import RoundRobinProxy

CLUSTER_YAML = "cluster: {sweep_seconds: 0.5}\n"


async def instances_rate(
    count: int,
    database_url: str,
    questions: list[str],
    residents: int,
    messages: int,
    latency: float,
) -> float:
    """Updates per second of ``count`` instances handling the burst."""
    from benchmarks.e2e_bench import add_latency, fresh_database, plan

    api = FakeBotApi()
    await api.start()
    ports = [free_port() for _ in range(count)]
    proxy = RoundRobinProxy(ports)
    await proxy.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            url = await fresh_database(database_url, folder)
            async with AsyncExitStack() as stack:
                for n, port in enumerate(ports):
                    await stack.enter_async_context(
                        instance(
                            api,
                            url,
                            folder,
                            f"bench-{n}",
                            port=port,
                            webhook_url=proxy.url + WEBHOOK_PATH,
                            extra_yaml=CLUSTER_YAML,
                        )
                    )
                add_latency(api, latency)
                burst = plan(api, "居民", residents, messages, questions)
                start = time.perf_counter()
                for step in range(messages):
                    for user, texts in burst:
                        await api.send_text(user, texts[step])
                for user, texts in burst:
                    for _ in texts:
                        await api.wait_for_message(user, timeout=300)
                return residents * messages / (time.perf_counter() - start)
    finally:
        await proxy.stop()
        await api.stop()


async def scaling(args: argparse.Namespace, questions: list[str]) -> None:
    """Part 4: updates per second per number of instances."""
    if not args.postgres_url:
        raise SystemExit(
            "--instances needs PostgreSQL: --postgres-url or $LEGALDESK_TEST_POSTGRES_URL"
        )
    print(
        f"{args.residents} residents x {args.messages} messages, webhook mode, "
        f"Bot API latency {args.latency * 1000:.0f} ms, {os.cpu_count()} CPU(s)",
        flush=True,
    )
    for count in args.instances:
        rate = await instances_rate(
            count, args.postgres_url, questions, args.residents, args.messages, args.latency
        )
        print(f"  {count} instance(s): {rate:7.1f} updates/s", flush=True)
