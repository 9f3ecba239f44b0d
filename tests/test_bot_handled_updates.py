"""UpdateLedger: an update is skipped only when it is provably one this bot already answered.

Updates run concurrently, so these tests finish them out of order, as the bot does, and
check that an update still in flight when the process dies is never taken for handled, and
that a foreign, stale or out-of-range state file is discarded with one warning.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.config import Settings
from bot.handled_updates import (
    FAR_AHEAD,
    REDELIVERY_WINDOW,
    LedgerUpdateProcessor,
    UpdateLedger,
    fingerprint,
    read_state,
)
from tests.bot_harness import ManualClock
from tests.fake_botapi import TEST_TOKEN

BOT = 7000001
OTHER_BOT = 7000002


def handle(ledger: UpdateLedger, *update_ids: int, content: str = "a") -> None:
    """Start and finish `update_ids` in order, then persist, as the processor does."""
    for update_id in update_ids:
        ledger.start(update_id)
        ledger.finish(update_id, content)
    asyncio.run(ledger.save())


def restarted(path: Path, clock: ManualClock, bot_id: int = BOT) -> UpdateLedger:
    """Return the ledger a new process of bot `bot_id` would start with."""
    ledger = UpdateLedger(path, clock)
    ledger.load(bot_id)
    return ledger


def new_ledger(path: Path, clock: ManualClock) -> UpdateLedger:
    return restarted(path, clock)


def test_an_update_in_flight_at_a_crash_is_handled_again_and_the_finished_ones_are_not(
    tmp_path: Path,
) -> None:
    path, clock = tmp_path / "state.json", ManualClock()
    ledger = new_ledger(path, clock)
    for update_id in (10, 11, 12, 13):
        ledger.start(update_id)
    ledger.finish(10, "a")
    ledger.finish(12, "a")  # 11 is still in flight (its answer not sent yet)
    ledger.finish(13, "a")
    asyncio.run(ledger.save())
    # the process dies here, with 11 unanswered
    after = restarted(path, clock)
    assert [after.handled_before(n, "a") for n in (10, 11, 12, 13, 14)] == [
        True,
        False,
        True,
        True,
        False,
    ]


def test_a_recorded_id_is_skipped_only_with_the_same_content(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, clock = tmp_path / "state.json", ManualClock()
    handle(new_ledger(path, clock), 1, 2, 3)
    after = restarted(path, clock)
    assert after.handled_before(1, "a")  # a redelivery
    with caplog.at_level(logging.WARNING):
        assert not after.handled_before(2, "another question")  # a reset server's new 2
        assert not after.handled_before(3, "a")  # the old file is gone now
    assert caplog.text.count("discarding the bot state file") == 1
    assert "arrived again with other content" in caplog.text


def test_the_state_keeps_up_with_updates_handled_after_a_restart(tmp_path: Path) -> None:
    path, clock = tmp_path / "state.json", ManualClock()
    first = new_ledger(path, clock)
    for update_id in (1, 2, 3):
        first.start(update_id)
    first.finish(1, "a")
    first.finish(3, "a")
    asyncio.run(first.save())
    second = restarted(path, clock)
    assert not second.handled_before(2, "a")
    assert second.handled_before(3, "a")  # skipped, which also counts as done
    handle(second, 3, 2)
    state = read_state(path)
    assert state is not None and set(state.handled) == {1, 2, 3} and state.bot_id == BOT


def test_another_bots_state_file_is_discarded_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, clock = tmp_path / "state.json", ManualClock()
    handle(new_ledger(path, clock), 1, 2, 3)
    with caplog.at_level(logging.WARNING):
        other = restarted(path, clock, bot_id=OTHER_BOT)
        answered = [not other.handled_before(n, "a") for n in (1, 2, 3)]
    assert answered == [True, True, True]
    assert caplog.text.count("WARNING") == 1
    assert "belongs to another bot" in caplog.text
    handle(other, 1)
    state = read_state(path)
    assert state is not None and state.bot_id == OTHER_BOT and set(state.handled) == {1}


def test_state_older_than_telegrams_redelivery_window_is_discarded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, clock = tmp_path / "state.json", ManualClock()
    handle(new_ledger(path, clock), 500)
    assert restarted(path, clock).handled_before(500, "a")
    clock.now += REDELIVERY_WINDOW + 1
    with caplog.at_level(logging.WARNING):
        assert not restarted(path, clock).handled_before(500, "a")
    assert caplog.text.count("WARNING") == 1 and "older than Telegram's 24 h" in caplog.text


@pytest.mark.parametrize(
    ("new_id", "reason"),
    [(1, "below its floor 500"), (502 + FAR_AHEAD + 1, "far above its last id 502")],
)
def test_ids_outside_the_files_range_discard_it_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, new_id: int, reason: str
) -> None:
    path, clock = tmp_path / "state.json", ManualClock()
    handle(new_ledger(path, clock), 500, 501, 502)
    after = restarted(path, clock)
    with caplog.at_level(logging.WARNING):
        assert not after.handled_before(new_id, "a")
        assert not after.handled_before(501, "a")  # the old file no longer counts
    assert caplog.text.count("WARNING") == 1 and reason in caplog.text


def test_an_update_in_flight_below_the_recorded_ids_keeps_the_file(tmp_path: Path) -> None:
    path, clock = tmp_path / "state.json", ManualClock()
    ledger = new_ledger(path, clock)
    ledger.start(7)  # slow, still in flight at the crash
    handle(ledger, 8, 9)
    after = restarted(path, clock)
    assert not after.handled_before(7, "a")  # redelivered: answered, not "out of range"
    assert after.handled_before(8, "a") and after.handled_before(9, "a")


@pytest.mark.parametrize(
    "content", ["{not json", "[]", '{"version": 99}', "", '{"version": 1, "through": 5}']
)
def test_an_unreadable_or_unkeyed_state_file_is_a_warning_and_forgets_nothing_new(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.json"
    path.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        ledger = restarted(path, ManualClock())
    assert not ledger.handled_before(1, "a")
    assert caplog.text.count("ignoring the unreadable bot state file") == 1
    handle(ledger, 1)
    assert json.loads(path.read_text(encoding="utf-8"))["handled"] == {"1": "a"}


def test_the_state_file_is_replaced_whole_and_no_temporary_file_remains(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "state.json"
    ledger = new_ledger(path, ManualClock())
    for update_id in range(1, 50):
        handle(ledger, update_id)
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]
    assert len(json.loads(path.read_text(encoding="utf-8"))["handled"]) == 49


def test_the_file_keeps_only_the_latest_handled_ids(tmp_path: Path) -> None:
    path, clock = tmp_path / "state.json", ManualClock()
    ledger = UpdateLedger(path, clock, capacity=10)
    ledger.load(BOT)
    handle(ledger, *range(1, 26))
    state = read_state(path)
    assert state is not None and sorted(state.handled) == list(range(16, 26))


def test_an_unwritable_state_file_is_logged_once_and_the_bot_runs_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    ledger = new_ledger(blocker / "state.json", ManualClock())  # a file as the folder
    with caplog.at_level(logging.WARNING):
        for update_id in (1, 2, 3):
            handle(ledger, update_id)
    assert caplog.text.count("cannot write the bot state file") == 1


def test_the_state_file_defaults_to_a_hidden_file_in_the_corpus_folder() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TEST_TOKEN, "CORPUS_DIR": "news"}
    assert Settings.from_env(env).state_file == Path("news/.bot-state.json")
    env["STATE_FILE"] = "/var/lib/bot/state.json"
    assert Settings.from_env(env).state_file == Path("/var/lib/bot/state.json")


def test_the_processor_uses_the_supported_hook_and_not_the_final_method() -> None:
    assert "process_update" not in LedgerUpdateProcessor.__dict__
    assert LedgerUpdateProcessor.do_process_update is not BaseUpdateProcessor.do_process_update


async def test_process_update_consults_the_state_file(tmp_path: Path) -> None:
    """Through python-telegram-bot's public `process_update`: an update recorded in the
    file is not run, an unrecorded one is. Fails if the file stops being consulted."""
    update = Update.de_json({"update_id": 42, "message": _message("سؤال")}, None)
    other = Update.de_json({"update_id": 43, "message": _message("سؤال آخر")}, None)
    path, clock = tmp_path / "state.json", ManualClock()
    earlier = new_ledger(path, clock)
    earlier.finish(42, fingerprint(update))
    await earlier.save()
    ledger = restarted(path, clock)
    processor = LedgerUpdateProcessor(ledger)
    ran: list[int] = []

    async def run(update_id: int) -> None:
        ran.append(update_id)

    await processor.process_update(update, run(42))
    await processor.process_update(other, run(43))
    assert ran == [43]


def _message(text: str) -> dict[str, object]:
    chat = {"id": 5, "type": "private", "first_name": "سارة"}
    sender = {"id": 5, "is_bot": False, "first_name": "سارة"}
    return {"message_id": 1, "date": 1_700_000_000, "chat": chat, "from": sender, "text": text}
