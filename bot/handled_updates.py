"""Which updates the bot has fully handled, remembered across restarts in a small JSON file.

Telegram learns what the bot processed only from the offset of its next getUpdates. When
every getUpdates after a batch fails until the bot restarts, Telegram sends the batch again;
without a memory of its own the restarted bot would answer it twice.

Updates run concurrently, so "handled" is not "the highest id seen": an update can still be
in flight while later ones are done. `UpdateLedger` therefore remembers a watermark (every
update at or below it is handled) plus the handled ids above it, and an update in flight is
never among them. The state is written after each handled update by an atomic rename, so a
crash leaves either the old or the new file, never half of one.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import SimpleUpdateProcessor

log = logging.getLogger(__name__)

# Telegram keeps an undelivered update for 24 hours, so older state cannot match a redelivery
# (and after a week without updates Telegram may restart the ids at a random lower number).
REDELIVERY_WINDOW = 24 * 60 * 60
_STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class HandledState:
    """What the state file holds: every update id <= `through`, and those in `after`, were
    handled; `saved_at` is the Unix time of writing."""

    through: int
    after: frozenset[int]
    saved_at: float


class UpdateLedger:
    """Tracks updates from arrival to fully handled and persists what was handled.

    `path` None keeps the bookkeeping in memory only (nothing survives a restart).
    """

    def __init__(self, path: Path | None, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self.previous: HandledState | None = None
        self._in_flight: set[int] = set()
        self._done_after: set[int] = set()
        self._latest: int | None = None
        self._write_failed = False

    def load(self) -> None:
        """Read what the previous run handled; a missing, stale or unreadable file is ignored."""
        if self.path is None or not self.path.exists():
            return
        state = read_state(self.path)
        if state is None or self.clock() - state.saved_at > REDELIVERY_WINDOW:
            return
        self.previous = state
        self._latest = state.through
        self._done_after = set(state.after)

    def handled_before(self, update_id: int) -> bool:
        """Return whether the previous run already handled `update_id` (a redelivery)."""
        previous = self.previous
        if previous is None or self.clock() - previous.saved_at > REDELIVERY_WINDOW:
            return False
        return update_id <= previous.through or update_id in previous.after

    def start(self, update_id: int) -> None:
        """Record that `update_id` arrived and is being handled."""
        self._in_flight.add(update_id)
        self._latest = update_id

    def finish(self, update_id: int) -> None:
        """Record that `update_id` was fully handled, and persist the new state."""
        self._in_flight.discard(update_id)
        through = min(self._in_flight) - 1 if self._in_flight else self._latest
        if through is None:
            return
        self._done_after = {d for d in (*self._done_after, update_id) if d > through}
        self._save(HandledState(through, frozenset(self._done_after), self.clock()))

    def _save(self, state: HandledState) -> None:
        """Write `state` atomically; a failure is logged once and the bot runs on."""
        if self.path is None:
            return
        try:
            write_state(self.path, state)
        except OSError as error:
            if not self._write_failed:
                log.warning("cannot write the bot state file %s: %s", self.path, error)
            self._write_failed = True
        else:
            self._write_failed = False


class LedgerUpdateProcessor(SimpleUpdateProcessor):
    """Runs updates concurrently (like `concurrent_updates(True)`), skips the ones the
    previous run already handled, and tells the ledger when each one is done."""

    def __init__(self, ledger: UpdateLedger, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self.ledger = ledger

    async def initialize(self) -> None:
        """Load the previous run's state (called by `Application.initialize`)."""
        self.ledger.load()

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle `update` unless it is a redelivery; mark it handled only when it completes.

        An update whose handling is cancelled (the process stopping hard) stays unhandled.
        """
        if not isinstance(update, Update):
            await super().process_update(update, coroutine)
            return
        update_id = update.update_id
        self.ledger.start(update_id)
        if self.ledger.handled_before(update_id):
            log.info("update %s was handled before the restart; skipping it", update_id)
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # never awaited: close it to avoid a warning
        else:
            await super().process_update(update, coroutine)
        self.ledger.finish(update_id)


def read_state(path: Path) -> HandledState | None:
    """Return the state stored in `path`, or None (with a warning) when it is unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != _STATE_VERSION:
            raise ValueError(f"unknown version {data.get('version')!r}")
        return HandledState(
            through=int(data["through"]),
            after=frozenset(int(n) for n in data["after"]),
            saved_at=float(data["saved_at"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        log.warning("ignoring the unreadable bot state file %s: %s", path, error)
        return None


def write_state(path: Path, state: HandledState) -> None:
    """Write `state` to `path` through a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "version": _STATE_VERSION,
        "through": state.through,
        "after": sorted(state.after),
        "saved_at": state.saved_at,
    }
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temporary, path)
