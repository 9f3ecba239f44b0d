"""Which updates this bot has fully handled, remembered across restarts in a small JSON file.

Telegram learns what the bot processed only from the offset of its next getUpdates. When
every getUpdates after a batch fails until the bot restarts, Telegram sends the batch again;
without a memory of its own the restarted bot would answer it twice.

A memory that skips the wrong update silences the bot, which is worse than a duplicate. So
an update is skipped only when it is *provably* one this bot already answered: the file
belongs to this bot (its id, from getMe), it is younger than Telegram's 24-hour redelivery
window, and it records this very update id with the same content fingerprint. Update ids
alone prove nothing: ids of different bots are unrelated, and a reset Bot API server starts
its ids at 1 again. A file that is foreign, stale, or whose id range the server has left
(an update below its floor, one far above it, or a recorded id arriving with other content)
is discarded with one WARNING line, and every update is answered.

Updates run concurrently, so the file holds the set of handled ids (the latest
`capacity` of them), never a watermark: an update in flight when the process dies is not
in the set and is answered again. Writes run in a worker thread, are coalesced under load,
and are atomic and durable (temporary file, fsync, rename, fsync of the folder).
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Bot, Update
from telegram.ext import BaseUpdateProcessor

from retrieval.atomic import write_atomically

log = logging.getLogger(__name__)

# Telegram keeps an undelivered update for 24 hours, so older state cannot match a redelivery
# (and after a week without updates Telegram may restart the ids at a random number).
REDELIVERY_WINDOW = 24 * 60 * 60
# How many handled ids the file keeps. Telegram redelivers at most the batches the bot
# fetched but did not confirm (100 updates per getUpdates), so this is ample.
DEFAULT_CAPACITY = 1000
# An update this far above the file's highest id cannot belong to its redelivery: the ids
# jumped (Telegram picks random ids after a week of silence), so the old set is dropped.
FAR_AHEAD = 1_000_000
_STATE_VERSION = 2


@dataclass(frozen=True, slots=True)
class HandledState:
    """What the state file holds: the bot it belongs to, the handled update ids with their
    content fingerprints, the floor below which no update of this run was seen, and the
    Unix time of writing."""

    bot_id: int
    handled: dict[int, str]
    floor: int
    saved_at: float


def fingerprint(update: Update) -> str:
    """Return a short hash of `update`'s content: a redelivery has the same one, while a
    new update that reuses an id (a reset server) almost surely has another."""
    content = json.dumps(update.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


class UpdateLedger:
    """Tracks updates from arrival to fully handled and persists what was handled.

    `path` None keeps the bookkeeping in memory only (nothing survives a restart).
    """

    def __init__(
        self,
        path: Path | None,
        clock: Callable[[], float] = time.time,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self.path = path
        self.clock = clock
        self.capacity = capacity
        self.bot_id: int | None = None
        self._handled: dict[int, str] = {}  # insertion order: oldest finished first
        self._previous: frozenset[int] = frozenset()  # ids loaded from the file
        self._previous_range = (0, 0)
        self._in_flight: set[int] = set()
        self._dirty = False
        self._write_lock = asyncio.Lock()
        self._write_failed = False

    def load(self, bot_id: int) -> None:
        """Adopt what the previous run of bot `bot_id` handled; a missing file is a first
        run, and an unreadable, foreign or stale one is discarded with one warning."""
        self.bot_id = bot_id
        if self.path is None or not self.path.exists():
            return
        state = read_state(self.path)
        if state is None:
            return
        age = self.clock() - state.saved_at
        if state.bot_id != bot_id:
            self._discard(f"it belongs to another bot (id {state.bot_id}, this is {bot_id})")
        elif age > REDELIVERY_WINDOW:
            self._discard(f"it is {age / 3600:.0f} h old, older than Telegram's 24 h window")
        else:
            self._handled = dict(state.handled)
            self._previous = frozenset(state.handled)
            high = max(state.handled, default=state.floor)
            self._previous_range = (state.floor, high)

    def handled_before(self, update_id: int, content: str) -> bool:
        """Return whether `update_id` with fingerprint `content` was already handled.

        An update that shows the server left the previous file's range drops that file
        (one warning) and is not a redelivery.
        """
        if self._previous:
            floor, high = self._previous_range
            recorded = self._handled.get(update_id)
            if update_id < floor:
                self._forget_previous(f"update {update_id} is below its floor {floor}")
            elif update_id > high + FAR_AHEAD:
                self._forget_previous(f"update {update_id} is far above its last id {high}")
            elif update_id in self._previous and recorded != content:
                self._forget_previous(f"update {update_id} arrived again with other content")
        return self._handled.get(update_id) == content

    def start(self, update_id: int) -> None:
        """Record that `update_id` arrived and is being handled."""
        self._in_flight.add(update_id)

    def finish(self, update_id: int, content: str) -> None:
        """Record that `update_id` (fingerprint `content`) was fully handled."""
        self._in_flight.discard(update_id)
        self._handled.pop(update_id, None)
        self._handled[update_id] = content
        while len(self._handled) > self.capacity:
            del self._handled[next(iter(self._handled))]
        self._dirty = True

    def snapshot(self) -> HandledState | None:
        """Return the state to persist now, or None before `load` named the bot."""
        if self.bot_id is None:
            return None
        floor = min((*self._in_flight, *self._handled), default=0)
        return HandledState(self.bot_id, dict(self._handled), floor, self.clock())

    async def save(self) -> None:
        """Persist the current state in a worker thread; concurrent callers share a write.

        A failure is logged once and the bot runs on: a lost write means duplicates after a
        restart, never a lost answer.
        """
        async with self._write_lock:
            if not self._dirty:
                return  # a write that started after our change already holds it
            self._dirty = False
            state = self.snapshot()
            if self.path is None or state is None:
                return
            try:
                await asyncio.to_thread(write_state, self.path, state)
            except OSError as error:
                if not self._write_failed:
                    log.warning("cannot write the bot state file %s: %s", self.path, error)
                self._write_failed = True
            else:
                self._write_failed = False

    def _discard(self, reason: str) -> None:
        log.warning("discarding the bot state file %s: %s", self.path, reason)

    def _forget_previous(self, reason: str) -> None:
        """Drop what the previous run recorded: the server's ids started a new epoch."""
        self._discard(f"{reason}, so the Bot API server's update ids restarted")
        for update_id in self._previous:
            self._handled.pop(update_id, None)
        self._previous = frozenset()


class LedgerUpdateProcessor(BaseUpdateProcessor):
    """Runs updates concurrently (like `concurrent_updates(True)`), skips the ones this bot
    provably handled before a restart, and tells the ledger when each one is done.

    It hooks python-telegram-bot's supported extension point `do_process_update`; call
    `bind(application.bot)` once the Application is built so `initialize` knows the bot.
    """

    def __init__(self, ledger: UpdateLedger, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self.ledger = ledger
        self._bot: Bot | None = None

    def bind(self, bot: Bot) -> None:
        """Name the bot whose updates this processor handles (its id keys the state)."""
        self._bot = bot

    async def initialize(self) -> None:
        """Load this bot's previous state (`Application.initialize` calls this after getMe)."""
        if self._bot is None:
            raise RuntimeError("LedgerUpdateProcessor.bind(bot) was not called")
        await asyncio.to_thread(self.ledger.load, self._bot.id)

    async def shutdown(self) -> None:
        """Nothing to free: every handled update was saved when it finished."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle `update` unless it is a redelivery; mark it handled only when it completes.

        An update whose handling is cancelled (the process stopping hard) stays unhandled.
        """
        if not isinstance(update, Update):
            await coroutine
            return
        update_id, content = update.update_id, fingerprint(update)
        self.ledger.start(update_id)
        if self.ledger.handled_before(update_id, content):
            log.info("update %s was handled before the restart; skipping it", update_id)
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # never awaited: close it to avoid a warning
        else:
            await coroutine
        self.ledger.finish(update_id, content)
        await self.ledger.save()


def read_state(path: Path) -> HandledState | None:
    """Return the state stored in `path`, or None (with a warning) when it is unreadable or
    was written by a version that did not record the bot id."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != _STATE_VERSION:
            raise ValueError(f"unknown version {data.get('version')!r}")
        return HandledState(
            bot_id=int(data["bot_id"]),
            handled={int(k): str(v) for k, v in data["handled"].items()},
            floor=int(data["floor"]),
            saved_at=float(data["saved_at"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        log.warning("ignoring the unreadable bot state file %s: %s", path, error)
        return None


def write_state(path: Path, state: HandledState) -> None:
    """Write `state` to `path` atomically and durably."""
    data = {
        "version": _STATE_VERSION,
        "bot_id": state.bot_id,
        "floor": state.floor,
        "saved_at": state.saved_at,
        "handled": {str(k): v for k, v in state.handled.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(data).encode())  # fsync, rename, fsync of the folder
