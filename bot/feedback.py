"""The bot's side of feedback: recording questions and 👍/👎 presses, never at the cost of an
answer.

`retrieval.feedback.FeedbackStore` holds the SQLite schema; this module calls it in worker
threads and turns any database failure (locked, corrupt, unwritable) into one WARNING line
per failure streak, so the bot always answers. The 👍/👎 buttons carry the question's row id
in their callback data ("fb:u:<id>", at most 24 bytes of Telegram's 64), so a press after a
restart still counts.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import Callable, Sequence
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import Settings
from retrieval.feedback import (
    AskedQuestion,
    FeedbackStats,
    FeedbackStore,
    RateOutcome,
    Rating,
    sentence_ids,
)
from retrieval.search import Hit

log = logging.getLogger(__name__)

FEEDBACK_PREFIX = "fb:"
FEEDBACK_PATTERN = r"^fb:[ud]:\d{1,19}$"
THUMBS_UP = "👍"
THUMBS_DOWN = "👎"
_RATING_CODES = {"u": Rating.UP, "d": Rating.DOWN}
_DATA = re.compile(r"fb:([ud]):(\d{1,19})")

T = TypeVar("T")


class FeedbackRecorder:
    """Records questions and ratings when feedback is on; every method returns None
    (after at most one warning per failure streak) when the database fails or is off."""

    def __init__(self, store: FeedbackStore | None) -> None:
        self.store = store
        self._failing = False

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackRecorder:
        """Return the recorder `settings` ask for (off when `feedback_db` is None)."""
        if settings.feedback_db is None:
            return cls(None)
        return cls(FeedbackStore(settings.feedback_db, settings.feedback_retention_days))

    @property
    def enabled(self) -> bool:
        """Return whether feedback is stored (and the buttons shown)."""
        return self.store is not None

    async def record(
        self, chat_type: str, user_id: int, question: str, hits: Sequence[Hit]
    ) -> int | None:
        """Store a question and the sentences shown for it; return its row id, or None."""
        store = self.store
        if store is None:
            return None
        top = hits[0] if hits else None

        def write() -> int:
            asked = AskedQuestion(
                chat_type=chat_type,
                user_hash=store.user_hash(user_id),
                question=question,
                sentence_ids=sentence_ids([(h.article.id, h.start) for h in hits]),
                top_score=top.score if top else None,
                confidence=getattr(top, "confidence", None),  # the calibrated one, when Hit has it
            )
            return store.record_question(asked)

        return await self._call(write)

    async def rate(self, question_id: int, user_id: int, rating: Rating) -> RateOutcome | None:
        """Store a press; return what it did, or None when the database failed."""
        store = self.store
        if store is None:
            return None
        return await self._call(lambda: store.rate(question_id, user_id, rating))

    async def stats(self) -> FeedbackStats | None:
        """Return the last 7 days' figures, or None when off or failing."""
        store = self.store
        if store is None:
            return None
        return await self._call(store.stats)

    async def close(self) -> None:
        """Close the database connection (at the bot's stop)."""
        if self.store is not None:
            await asyncio.to_thread(self.store.close)

    async def _call(self, work: Callable[[], T]) -> T | None:
        """Run `work` in a worker thread; a database failure is a warning, not an error."""
        try:
            result = await asyncio.to_thread(work)
        except (sqlite3.Error, OSError) as error:
            if not self._failing:
                path = self.store.path if self.store else None
                log.warning("feedback database %s failed, answering without it: %s", path, error)
            self._failing = True
            return None
        self._failing = False
        return result


def parse_press(data: str) -> tuple[int, Rating] | None:
    """Return (question row id, rating) of a 👍/👎 button's callback data, or None."""
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    return int(match.group(2)), _RATING_CODES[match.group(1)]


def with_feedback_buttons(
    markup: InlineKeyboardMarkup | None, question_id: int | None
) -> InlineKeyboardMarkup | None:
    """Return `markup` with 👍 and 👎 for `question_id` beside its first row's buttons
    (next to «المزيد»), or `markup` unchanged when there is no question id."""
    if question_id is None:
        return markup
    buttons = [
        InlineKeyboardButton(THUMBS_UP, callback_data=f"{FEEDBACK_PREFIX}u:{question_id}"),
        InlineKeyboardButton(THUMBS_DOWN, callback_data=f"{FEEDBACK_PREFIX}d:{question_id}"),
    ]
    rows = [list(row) for row in markup.inline_keyboard] if markup else []
    if rows:
        rows[0] += buttons
    else:
        rows = [buttons]
    return InlineKeyboardMarkup(rows)


def feedback_question_id(markup: InlineKeyboardMarkup | None) -> int | None:
    """Return the question row id the 👍/👎 buttons of `markup` carry, or None."""
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            pressed = parse_press(str(button.callback_data or ""))
            if pressed is not None:
                return pressed[0]
    return None
