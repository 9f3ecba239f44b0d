"""👍/👎 feedback, /stats figures and /privacy: the real bot against the loopback server.

Feedback lives in one SQLite file (retrieval/feedback.py); these tests read it back with the
same module, seed it for /stats, and break it (corrupt, locked) to show answers never stop.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot import replies
from bot.feedback import THUMBS_DOWN, THUMBS_UP
from retrieval.feedback import DAY, AskedQuestion, FeedbackStore, Rating
from tests.bot_harness import bot_settings, running_bot, seed_corpus, write_md_article
from tests.delivery import SEED_QUESTIONS
from tests.fake_botapi import ApiCall, FakeBotApi

ADMIN = 42
# Six different facts (near-copies of one sentence would be shown once, as one story).
MOON = [
    "ويحمل المسبار كاميرات لتصوير القمر من مدار قريب.",
    "أطلقت وكالة الفضاء المسبار نحو القمر صباح الاثنين.",
    "وسيصل المسبار إلى مدار القمر خلال أسبوع من الإطلاق.",
    "ويرسل المسبار صور القمر إلى محطة أرضية في الصحراء.",
    "ويبحث العلماء بالمسبار عن جليد في قطب القمر الجنوبي.",
    "وصمم مهندسون شباب المسبار الذي يدور حول القمر.",
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = seed_corpus(tmp_path / "corpus")
    write_md_article(folder, "moon.md", "\n\n".join(MOON), title="مسبار القمر")
    return folder


def settings_with_feedback(api: FakeBotApi, corpus: Path, db: Path, **overrides: Any) -> Any:
    return bot_settings(api, corpus, feedback_db=db, admin_ids=frozenset({ADMIN}), **overrides)


def keyboard(call: ApiCall) -> list[dict[str, str]]:
    """Return the first row of the inline keyboard a sendMessage/edit call carried."""
    return call.params["reply_markup"]["inline_keyboard"][0]


def has_thumbs(call: ApiCall) -> bool:
    """Return whether a sent message carries the 👍/👎 buttons."""
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return any(b["text"] == THUMBS_UP for row in markup["inline_keyboard"] for b in row)


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


async def test_thumbs_sit_beside_more_and_a_press_is_stored_once_even_pressed_twice(
    fake_botapi: FakeBotApi, corpus: Path, tmp_path: Path
) -> None:
    api, db = fake_botapi, tmp_path / "feedback.sqlite3"
    async with running_bot(settings_with_feedback(api, corpus, db, top_k=2)):
        api.send_text("المسبار القمر", user_id=1001)
        answer = await api.wait_for("sendMessage")
        buttons = keyboard(answer)
        assert [b["text"] for b in buttons] == [replies.MORE_BUTTON, THUMBS_UP, THUMBS_DOWN]
        assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
        message_id = api.bot_messages(1001)[-1]["message_id"]
        up = buttons[1]["callback_data"]
        for _ in range(2):
            api.press_button(message_id, up)
        await api.wait_for("answerCallbackQuery", lambda c: c.params["callback_query_id"] == "cbq2")
        api.press_button(message_id, "more:2")  # the next page keeps the thumbs
        edit = await api.wait_for("editMessageText")
    toasts = [c.params.get("text") for c in api.calls_to("answerCallbackQuery")]
    assert toasts[:2] == [replies.RATING_THANKS, replies.RATING_ALREADY]
    assert [b["text"] for b in keyboard(edit)] == [replies.MORE_BUTTON, THUMBS_UP, THUMBS_DOWN]
    assert keyboard(edit)[1]["callback_data"] == up
    assert rows(db, "SELECT rating FROM ratings") == [(1,)]
    stored = rows(db, "SELECT chat_type, user_hash, question, answered FROM questions")
    assert len(stored) == 1
    chat_type, user_hash, question, answered = stored[0]
    assert (chat_type, question, answered) == ("private", "المسبار القمر", 1)
    assert "1001" not in user_hash and len(user_hash) == 32  # salted hash, never the raw id


async def test_a_press_after_a_restart_still_counts_and_a_change_of_mind_replaces_it(
    fake_botapi: FakeBotApi, corpus: Path, tmp_path: Path
) -> None:
    api, db = fake_botapi, tmp_path / "feedback.sqlite3"
    settings = settings_with_feedback(api, corpus, db)
    async with running_bot(settings):
        api.send_text(SEED_QUESTIONS[0], user_id=1001)
        answer = await api.wait_for("sendMessage")
    message_id = api.bot_messages(1001)[-1]["message_id"]
    up, down = (b["callback_data"] for b in keyboard(answer)[-2:])
    async with running_bot(settings):  # a new process: only the button's data is left
        api.press_button(message_id, up)
        await api.wait_for("answerCallbackQuery")
        api.press_button(message_id, down)
        await api.wait_for("answerCallbackQuery", lambda c: c.params["callback_query_id"] == "cbq2")
    toasts = [c.params.get("text") for c in api.calls_to("answerCallbackQuery")]
    assert toasts == [replies.RATING_THANKS, replies.RATING_CHANGED]
    assert rows(db, "SELECT rating FROM ratings") == [(-1,)]


async def test_stats_shows_the_last_weeks_figures_from_a_seeded_database(
    fake_botapi: FakeBotApi, corpus: Path, tmp_path: Path
) -> None:
    db = tmp_path / "feedback.sqlite3"
    seed_feedback(FeedbackStore(db))
    async with running_bot(settings_with_feedback(fake_botapi, corpus, db)):
        fake_botapi.send_text("/stats", user_id=ADMIN, chat_id=ADMIN)
        call = await fake_botapi.wait_for("sendMessage")
    text = call.params["text"]
    assert "• الأسئلة: 10" in text
    assert "• دون إجابة: 4 (40%)" in text
    assert "👍 3 · 👎 2" in text
    unanswered = [line for line in text.splitlines() if "(×" in line]
    assert unanswered == ["• كم عدد سكان المريخ؟ (×3)", "• من اخترع الطائرة الورقية؟ (×1)"]
    assert "سؤال قديم" not in text  # older than 7 days


def seed_feedback(store: FeedbackStore) -> None:
    """10 questions this week (4 unanswered), 3 👍 and 2 👎; 2 more questions 8 days ago."""
    clock = store.clock

    def ask(question: str, answered: bool, user: int) -> int:
        ids = ("a@0",) if answered else ()
        return store.record_question(
            AskedQuestion("private", store.user_hash(user), question, ids, 1.0, None)
        )

    old = clock() - 8 * DAY
    store.clock = lambda: old
    for user in (1, 2):
        store.rate(ask("سؤال قديم", False, user), user, Rating.DOWN)
    store.clock = clock
    answered = [ask(f"سؤال {n}", True, n) for n in range(6)]
    for n, question_id in enumerate(answered[:5]):
        store.rate(question_id, n, Rating.UP if n < 3 else Rating.DOWN)
    for user in (1, 2, 3):
        ask("كم عدد سكان المريخ؟", False, user)
    ask("من اخترع الطائرة الورقية؟", False, 4)
    store.close()


async def test_privacy_says_what_is_kept_and_nothing_when_feedback_is_off(
    fake_botapi: FakeBotApi, corpus: Path, tmp_path: Path
) -> None:
    db = tmp_path / "feedback.sqlite3"
    async with running_bot(settings_with_feedback(fake_botapi, corpus, db)):
        fake_botapi.send_text("/privacy")
        on = await fake_botapi.wait_for("sendMessage")
    assert "تجزئة مملّحة" in on.params["text"] and "90 يومًا" in on.params["text"]
    async with FakeBotApi() as api, running_bot(bot_settings(api, corpus, feedback_db=None)):
        api.send_text("/privacy")
        off = await api.wait_for("sendMessage")
        api.send_text(SEED_QUESTIONS[0])
        answer = await api.wait_for("sendMessage", lambda c: c is not off)
    assert "لا يحفظ" in off.params["text"]
    assert not has_thumbs(answer)  # FEEDBACK=off: no buttons


@pytest.mark.parametrize("damage", ["corrupt", "locked"])
async def test_a_corrupt_or_locked_database_still_answers_with_one_warning(
    fake_botapi: FakeBotApi,
    corpus: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: str,
) -> None:
    db = tmp_path / "feedback.sqlite3"
    holder = None
    if damage == "corrupt":
        db.write_bytes(b"this is not a database" * 100)
    else:
        FeedbackStore(db).purge()  # create it, then hold a write lock for the whole test
        holder = sqlite3.connect(db)
        holder.execute("BEGIN EXCLUSIVE")
    try:
        with caplog.at_level(logging.WARNING):
            async with running_bot(settings_with_feedback(fake_botapi, corpus, db)):
                for question in SEED_QUESTIONS[:2]:
                    fake_botapi.send_text(question)
                await fake_botapi.wait_for(
                    "sendMessage", lambda c: len(fake_botapi.calls_to("sendMessage")) == 2
                )
                fake_botapi.send_text("/stats", user_id=ADMIN, chat_id=ADMIN)
                stats = await fake_botapi.wait_for(
                    "sendMessage", lambda c: c.params["chat_id"] == ADMIN
                )
    finally:
        if holder is not None:
            holder.close()
    answers = [c for c in fake_botapi.calls_to("sendMessage") if c.params["chat_id"] == 1001]
    assert len(answers) == 2 and not any(map(has_thumbs, answers))
    assert replies.FEEDBACK_UNAVAILABLE in stats.params["text"]
    assert caplog.text.count("feedback database") == 1
