"""SIGTERM and SIGINT stop `python -m bot` gracefully: answers in flight are sent, the exit
code is 0, and the persisted index is never left half-written.

The bot runs as a subprocess against the loopback Bot API server, as an operator runs it.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
from pathlib import Path

import pytest

from retrieval.store import open_index
from tests.bot_harness import SEED_CORPUS, debug_bot_env, start_bot_process, stop_bot_process
from tests.delivery import ask, delivery_report, wait_for_long_poll, wait_until
from tests.fake_botapi import FakeBotApi, Fault

SIGNALS = [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGINT, id="SIGINT")]


def write_bulk_corpus(folder: Path, articles: int) -> None:
    """Write `articles` synthetic articles built from the seed article's words (one .jsonl)."""
    seed_text = next(SEED_CORPUS.glob("*.txt")).read_text(encoding="utf-8")
    words = seed_text.split()
    rng = random.Random(articles)
    with (folder / "bulk.jsonl").open("w", encoding="utf-8") as out:
        for n in range(articles):
            paragraphs = [
                " ".join(rng.choice(words) for _ in range(rng.randint(15, 40))) + "."
                for _ in range(6)
            ]
            record = {"title": f"مقال تجريبي {n}", "content": "\n\n".join(paragraphs)}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


async def start_bot(api: FakeBotApi, corpus: Path, cwd: Path) -> asyncio.subprocess.Process:
    """Start `python -m bot` polling `api` at DEBUG, with its stdout and stderr captured."""
    return await start_bot_process(debug_bot_env(api, cwd, corpus), cwd)


def leftovers(index_dir: Path) -> list[str]:
    """Return the temporary files or folders left anywhere in `index_dir`."""
    return sorted(str(p.relative_to(index_dir)) for p in index_dir.rglob("*") if ".tmp" in p.name)


@pytest.mark.parametrize("sig", SIGNALS)
async def test_signal_while_answering_sends_every_answer_and_exits_zero(
    fake_botapi: FakeBotApi, tmp_path: Path, sig: int
) -> None:
    api = fake_botapi
    process = await start_bot(api, SEED_CORPUS, tmp_path)
    try:
        await wait_for_long_poll(api)
        # flood control holds the first answer back a second: it is in flight at the signal
        api.inject("sendMessage", Fault.flood(retry_after=1))
        questions = [
            ask(api, f"ماذا قال جاك ما عن الأمن الرقمي؟ {n}", user_id=400 + n) for n in range(5)
        ]
        assert await wait_until(lambda: bool(api.faulted))
    finally:
        code, output = await stop_bot_process(process, sig)
    report = delivery_report(api, questions)
    assert report.exactly_once, report.line()
    assert code == 0, output[-2000:]
    assert "Traceback" not in output
    assert api.pending_updates == 0  # the stop confirmed the processed updates


@pytest.mark.parametrize("sig", SIGNALS)
async def test_signal_while_the_index_is_written_leaves_no_partial_files(
    fake_botapi: FakeBotApi, tmp_path: Path, sig: int
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_bulk_corpus(corpus, articles=3000)
    index_dir = corpus / ".index"
    process = await start_bot(fake_botapi, corpus, tmp_path)
    try:
        # the signal arrives while the index is being built or its files written
        while not leftovers(index_dir) and not (index_dir / "manifest.json").exists():
            if process.returncode is not None:
                break
            await asyncio.sleep(0.001)
    finally:
        code, output = await stop_bot_process(process, sig)
    assert code == 0, output[-2000:]
    assert "Traceback" not in output
    assert leftovers(index_dir) == []
    reopened = open_index(corpus)
    assert reopened.outcome == "loaded", reopened.rebuilt_reason  # saved whole, not rebuilt
    assert len(reopened.index.articles) == 3000
