"""UpdateLedger: what survives a restart is exactly the set of updates fully handled.

Updates run concurrently, so these tests finish them out of order, as the bot does, and
check that an update still in flight when the process dies is never taken for handled.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.config import Settings
from bot.handled_updates import REDELIVERY_WINDOW, UpdateLedger, read_state
from tests.bot_harness import ManualClock
from tests.fake_botapi import TEST_TOKEN


def restarted(path: Path, clock: ManualClock) -> UpdateLedger:
    """Return the ledger a new process would start with."""
    ledger = UpdateLedger(path, clock)
    ledger.load()
    return ledger


def test_an_update_in_flight_at_a_crash_is_handled_again_and_the_finished_ones_are_not(
    tmp_path: Path,
) -> None:
    path, clock = tmp_path / "state.json", ManualClock()
    ledger = UpdateLedger(path, clock)
    for update_id in (10, 11, 12, 13):
        ledger.start(update_id)
    ledger.finish(10)
    ledger.finish(12)  # 11 is still in flight (its answer not sent yet)
    ledger.finish(13)
    # the process dies here, with 11 unanswered
    after = restarted(path, clock)
    assert [after.handled_before(n) for n in (9, 10, 11, 12, 13, 14)] == [
        True,
        True,
        False,
        True,
        True,
        False,
    ]


def test_the_state_keeps_up_with_updates_handled_after_a_restart(tmp_path: Path) -> None:
    path, clock = tmp_path / "state.json", ManualClock()
    first = UpdateLedger(path, clock)
    for update_id in (1, 2, 3):
        first.start(update_id)
    first.finish(1)
    first.finish(3)
    second = restarted(path, clock)
    second.start(2)  # redelivered: handled now
    second.start(3)  # redelivered, handled before: skipped, which also counts as done
    second.finish(3)
    second.finish(2)
    state = read_state(path)
    assert state is not None and (state.through, state.after) == (3, frozenset())


def test_state_older_than_telegrams_redelivery_window_is_ignored(tmp_path: Path) -> None:
    path, clock = tmp_path / "state.json", ManualClock()
    ledger = UpdateLedger(path, clock)
    ledger.start(500)
    ledger.finish(500)
    assert restarted(path, clock).handled_before(500)
    # a bot running for days: the old ids may be reused after a week without updates
    still_running = restarted(path, clock)
    clock.now += REDELIVERY_WINDOW + 1
    assert not still_running.handled_before(500)
    assert not restarted(path, clock).handled_before(500)


@pytest.mark.parametrize("content", ["{not json", "[]", '{"version": 99}', ""])
def test_an_unreadable_state_file_is_a_warning_and_forgets_nothing_new(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.json"
    path.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        ledger = restarted(path, ManualClock())
    assert not ledger.handled_before(1)
    assert "ignoring the unreadable bot state file" in caplog.text
    ledger.start(1)
    ledger.finish(1)
    assert json.loads(path.read_text(encoding="utf-8"))["through"] == 1


def test_the_state_file_is_replaced_whole_and_no_temporary_file_remains(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "state.json"
    ledger = UpdateLedger(path, ManualClock())
    for update_id in range(1, 50):
        ledger.start(update_id)
        ledger.finish(update_id)
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]
    assert json.loads(path.read_text(encoding="utf-8"))["through"] == 49


def test_an_unwritable_state_file_is_logged_once_and_the_bot_runs_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    ledger = UpdateLedger(blocker / "state.json", ManualClock())  # a file as the folder
    with caplog.at_level(logging.WARNING):
        for update_id in (1, 2, 3):
            ledger.start(update_id)
            ledger.finish(update_id)
    assert caplog.text.count("cannot write the bot state file") == 1


def test_the_state_file_defaults_to_a_hidden_file_in_the_corpus_folder() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TEST_TOKEN, "CORPUS_DIR": "news"}
    assert Settings.from_env(env).state_file == Path("news/.bot-state.json")
    env["STATE_FILE"] = "/var/lib/bot/state.json"
    assert Settings.from_env(env).state_file == Path("/var/lib/bot/state.json")
