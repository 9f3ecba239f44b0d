"""What the bot remembers of each chat for follow-up questions, inside its `chat_data`.

One `ChatMemory` per chat, held by python-telegram-bot in `context.chat_data` (in memory,
gone after a restart): the chat's last answered question for `FOLLOW_UP_TTL` seconds, and,
for the last few answers, the turn each was searched after, so that «المزيد» pages through
the same results. Nothing here is global; a chat's memory is bounded.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from retrieval.followup import PreviousTurn, fresh
from retrieval.search import Hit

_KEY = "follow_up"
_ANSWERS_KEPT = 5


@dataclass(slots=True)
class ChatMemory:
    """A chat's last question and, per recent answer, the turn it followed (if any)."""

    last: PreviousTurn | None = None
    followed: dict[str, PreviousTurn | None] = field(default_factory=dict)


def _memory(chat_data: MutableMapping[Any, Any] | None) -> ChatMemory:
    """Return the chat's memory, created on first use (a throwaway one without a chat)."""
    if chat_data is None:
        return ChatMemory()
    memory = chat_data.get(_KEY)
    if not isinstance(memory, ChatMemory):
        memory = chat_data[_KEY] = ChatMemory()
    return memory


def previous_turn(
    chat_data: MutableMapping[Any, Any] | None, now: float, ttl: float
) -> PreviousTurn | None:
    """Return the chat's last question if it is younger than `ttl` seconds, else None."""
    return fresh(_memory(chat_data).last, now, ttl)


def remember(
    chat_data: MutableMapping[Any, Any] | None,
    question: str,
    hits: Sequence[Hit],
    followed: PreviousTurn | None,
    now: float,
) -> None:
    """Record an answer: `question` (with its top article) becomes the chat's last question.

    An unanswered question leaves the last one in place: a rephrasing is likely to follow.
    """
    memory = _memory(chat_data)
    memory.followed.pop(question, None)
    memory.followed[question] = followed
    while len(memory.followed) > _ANSWERS_KEPT:
        memory.followed.pop(next(iter(memory.followed)))
    if hits:
        memory.last = PreviousTurn(question, hits[0].article.id, now)


def turn_followed(chat_data: MutableMapping[Any, Any] | None, question: str) -> PreviousTurn | None:
    """Return the turn the recent answer to `question` was searched after, for «المزيد»."""
    return _memory(chat_data).followed.get(question)


def forget(chat_data: MutableMapping[Any, Any] | None) -> None:
    """Forget the chat's last question (/new): the next question stands alone.

    Answers already given keep their context, so «المزيد» under them shows the same list.
    """
    _memory(chat_data).last = None
