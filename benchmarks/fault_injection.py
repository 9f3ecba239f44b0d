"""Telegram fault injection, long run: questions in waves while the Bot API keeps failing.

The real bot Application (in-process, long polling) talks to the loopback Bot API server
(tests/fake_botapi.py). Before each wave the server is told to fail the next few getUpdates
and sendMessage calls with a seeded mix of HTTP 429 (retry_after), 5xx, timeouts and dropped
connections. Halfway through, one more wave is answered and then every getUpdates fails
(an outage: the server never learns that wave was handled); the bot is stopped during the
outage, Telegram recovers while another wave waits, and a fresh bot is started with the
same state file. At the end every question must have exactly one answer.

    python -m benchmarks.fault_injection                  # 20 waves x 25 users
    python -m benchmarks.fault_injection --waves 4 --users 10 --seed 7

Loopback only; prints the figures quoted in docs/reliability.md. Exit code 1 when any
question was lost or answered twice.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.bot_harness import bot_settings, running_bot
from tests.delivery import (
    SEED_QUESTIONS,
    Question,
    ask,
    delivery_report,
    wait_for_long_poll,
    wait_until_answered,
    wait_until_served,
)
from tests.fake_botapi import FakeBotApi, Fault

REPO = Path(__file__).resolve().parent.parent


def random_fault(rng: random.Random, allow_timeouts: bool) -> Fault:
    """Return one fault of the mix: mostly 429 and 5xx, some drops, a few timeouts."""
    kinds = ["flood", "flood", "server_error", "server_error", "drop"]
    if allow_timeouts:
        kinds.append("timeout")
    kind = rng.choice(kinds)
    if kind == "flood":
        return Fault.flood(retry_after=1)
    if kind == "server_error":
        return Fault.server_error(rng.choice([500, 502, 503, 504]))
    if kind == "drop":
        return Fault.drop()
    return Fault.timeout(30)


def ask_wave(api: FakeBotApi, users: int, wave: int) -> list[Question]:
    """Every simulated user asks one question; return them in sending order."""
    return [
        ask(
            api,
            f"{SEED_QUESTIONS[(user + wave) % len(SEED_QUESTIONS)]} ({wave})",
            user_id=10_000 + user,
        )
        for user in range(users)
    ]


async def answer_then_lose_getupdates(api: FakeBotApi, users: int, wave: int) -> list[Question]:
    """Ask a wave that the held long poll delivers, then fail every getUpdates (502) until
    the restart: Telegram never learns the wave was handled and sends it again to the next
    bot, which must recognise it from its state file. Return the wave's questions."""
    await wait_for_long_poll(api)
    questions = ask_wave(api, users, wave)
    api.inject("getUpdates", Fault.server_error(502), times=1_000_000)
    await wait_until_answered(api, questions)
    return questions


def inject_wave_faults(
    api: FakeBotApi, rng: random.Random, per_wave: int, wave: int, injected: Counter[str]
) -> None:
    """Queue `per_wave` faults, split between getUpdates and sendMessage."""
    for n in range(per_wave):
        method = "getUpdates" if n % 2 == 0 else "sendMessage"
        fault = random_fault(rng, allow_timeouts=wave % 5 == 2)
        api.inject(method, fault)
        injected[f"{method} {fault.kind}"] += 1


async def run(waves: int, users: int, faults_per_wave: int, seed: int, corpus_dir: Path) -> bool:
    """Run the waves, print the figures; return whether every question was answered once."""
    rng = random.Random(seed)
    injected: Counter[str] = Counter()
    questions: list[Question] = []
    started = time.monotonic()
    outage_failures = 0
    with tempfile.TemporaryDirectory() as state_dir:
        async with FakeBotApi() as api:
            settings = bot_settings(api, corpus_dir, state_file=Path(state_dir) / "state.json")
            restart_at = waves // 2
            for half in (range(restart_at), range(restart_at, waves)):
                async with running_bot(settings):
                    for wave in half:
                        inject_wave_faults(api, rng, faults_per_wave, wave, injected)
                        wave_questions = ask_wave(api, users, wave)
                        questions += wave_questions
                        await wait_until_answered(api, wave_questions)
                    await wait_until_served(api, sum(injected.values()) + outage_failures)
                    if half.start == 0:
                        questions += await answer_then_lose_getupdates(api, users, waves)
                if half.start == 0:
                    outage_failures = len(api.faulted) - sum(injected.values())
                    api.clear_faults()  # Telegram is back
                    # while the bot is down, one more wave waits on the server
                    print(
                        f"restart during the outage: offset confirmed {api.confirmed_offset}, "
                        f"newest update {api.last_update_id}"
                    )
                    questions += ask_wave(api, users, waves + 1)
        report = delivery_report(api, questions)
        elapsed = time.monotonic() - started
        unserved = sum(injected.values()) + outage_failures - sum(report.faults_served.values())
        print(f"waves {waves} + 1 before an outage + 1 during the restart, users {users}")
        print(f"seed {seed}")
        print(f"questions sent (under faults): {report.questions}")
        print(f"answered: {report.answered}")
        print(f"duplicates: {report.duplicates}")
        print(f"unanswered: {len(report.unanswered)}")
        print(
            f"faults injected: {sum(injected.values())} + {outage_failures} outage polls, served: "
            f"{sum(report.faults_served.values())} (not reached: {unserved})"
        )
        for name, count in sorted(injected.items()):
            print(f"  {name}: {count}")
        print(
            f"getUpdates outage before the restart: {outage_failures} failed polls "
            "(the last batch was handled but never confirmed to the server)"
        )
        print(f"updates left unconfirmed on the server: {api.pending_updates}")
        print(f"elapsed: {elapsed:.1f}s")
        print("exactly once: " + ("yes" if report.exactly_once else "NO"))
        return report.exactly_once


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the benchmark, return 0 when nothing was lost or doubled."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--waves", type=int, default=20)
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--faults-per-wave", type=int, default=6)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--verbose", action="store_true", help="show the bot's log")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.verbose else logging.CRITICAL)
    ok = asyncio.run(run(args.waves, args.users, args.faults_per_wave, args.seed, args.corpus))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
