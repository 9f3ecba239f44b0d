"""Access control, per-user rate limiting, admin commands, uploads and live reload, for real.

The bot runs in-process against the loopback Bot API server; the tests play admins,
ordinary users, outsiders and a flooding user, and check what each of them got.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from telegram.error import NetworkError

from bot import replies
from bot.config import Settings
from bot.handlers import BotHandlers
from retrieval.live import LiveRetriever
from tests.bot_harness import (
    ManualClock,
    bot_settings,
    live_retriever_of,
    running_bot,
    seed_corpus,
    sent_texts,
    write_md_article,
)
from tests.delivery import wait_until
from tests.fake_botapi import TEST_TOKEN, FakeBotApi

ADMIN = 42
OUTSIDER = 666
NEW_ARTICLE = (
    "---\ntitle: افتتاح مرصد فلكي في الطائف\ncategory: علوم\n---\n"
    "افتتحت الجامعة مرصدًا فلكيًا جديدًا في مدينة الطائف لرصد الكواكب والنجوم.\n"
).encode()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable corpus holding the seed article."""
    return seed_corpus(tmp_path / "corpus")


async def test_chats_outside_the_allow_list_are_refused_without_corpus_content(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    settings = bot_settings(fake_botapi, corpus, allowed_chat_ids=frozenset({1001}))
    async with running_bot(settings):
        fake_botapi.send_text(
            "ماذا قال جاك ما عن الأمن الرقمي؟", chat_id=OUTSIDER, user_id=OUTSIDER
        )
        fake_botapi.send_text("/sources", chat_id=OUTSIDER, user_id=OUTSIDER)
        fake_botapi.inline_query("جاك ما", user_id=OUTSIDER)
        fake_botapi.send_text("جاك ما الأمن الرقمي", chat_id=-900, user_id=7, chat_type="group")
        fake_botapi.send_text("ماذا قال جاك ما عن الأمن الرقمي؟")  # the allowed chat
        await fake_botapi.wait_for("sendMessage", lambda c: c.params["chat_id"] == 1001)
        await fake_botapi.wait_for("answerInlineQuery")
    assert sent_texts(fake_botapi, OUTSIDER) == [replies.NOT_ALLOWED] * 2
    assert fake_botapi.calls_to("answerInlineQuery")[0].params["results"] == []
    assert sent_texts(fake_botapi, -900) == []  # a foreign group's chatter gets nothing
    assert "جاك" in sent_texts(fake_botapi, 1001)[0]


async def test_flooding_user_gets_one_notice_and_other_users_are_unaffected(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    clock = ManualClock()
    settings = bot_settings(fake_botapi, corpus, rate_limit_per_minute=3)
    async with running_bot(settings, clock):
        for n in range(8):
            fake_botapi.send_text(f"ماذا قال جاك ما عن الأمن الرقمي؟ {n}", chat_id=1, user_id=1)
        fake_botapi.send_text("ماذا قال جاك ما عن الأمن الرقمي؟", chat_id=2, user_id=2)
        await fake_botapi.wait_for("sendMessage", lambda c: c.params["chat_id"] == 2)
        await fake_botapi.wait_for("sendMessage", lambda c: len(sent_texts(fake_botapi, 1)) == 4)
        clock.now += 20  # one question's worth of refill (3 a minute): the flood is over
        fake_botapi.send_text("ماذا قال جاك ما عن الأمن الرقمي؟ بعد", chat_id=1, user_id=1)
        await fake_botapi.wait_for("sendMessage", lambda c: len(sent_texts(fake_botapi, 1)) == 5)
    # the stop handled every update: a wrong extra reply would be counted here
    flooder = sent_texts(fake_botapi, 1)
    assert flooder.count(replies.RATE_LIMITED) == 1
    assert sum("جاك" in text for text in flooder) == 4
    assert len(flooder) == 5 and flooder[-1] != replies.RATE_LIMITED
    assert "جاك" in sent_texts(fake_botapi, 2)[0]


async def test_the_flood_notice_also_reaches_a_user_asking_in_a_group(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    group = {"chat_id": -5001, "chat_type": "supergroup", "user_id": 2002}
    async with running_bot(bot_settings(fake_botapi, corpus, rate_limit_per_minute=1)):
        fake_botapi.send_text("/ask ماذا قال جاك ما عن الأمن الرقمي؟", **group)
        await fake_botapi.wait_for("sendMessage")
        second = fake_botapi.send_text("@arabic_qa_test_bot وماذا قال الرئيس الصيني؟", **group)
        notice = await fake_botapi.wait_for(
            "sendMessage", lambda c: c.params["text"] == replies.RATE_LIMITED
        )
    assert notice.params["reply_parameters"]["message_id"] == second
    assert len(fake_botapi.calls_to("sendMessage")) == 2


async def test_a_flooding_user_pressing_buttons_gets_one_alert_and_no_stuck_spinners(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus, rate_limit_per_minute=1, top_k=1)):
        fake_botapi.send_text("الأمن الرقمي")
        await fake_botapi.wait_for("sendMessage")
        message_id = fake_botapi.bot_messages(1001)[-1]["message_id"]
        fake_botapi.press_button(message_id, "more:1")
        await fake_botapi.wait_for("answerCallbackQuery")
        fake_botapi.press_button(message_id, "more:1")
        await fake_botapi.wait_for(
            "answerCallbackQuery", lambda c: c.params["callback_query_id"] == "cbq2"
        )
    alerts = [c.params.get("text") for c in fake_botapi.calls_to("answerCallbackQuery")]
    assert alerts == [replies.RATE_LIMITED, None]
    assert not fake_botapi.calls_to("editMessageText")


async def test_admin_commands_refuse_non_admins(fake_botapi: FakeBotApi, corpus: Path) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus, admin_ids=frozenset({ADMIN}))):
        fake_botapi.send_text("/stats")
        fake_botapi.send_text("/reload")
        fake_botapi.send_document("new.md", NEW_ARTICLE)
        await fake_botapi.wait_for("sendMessage", lambda c: len(sent_texts(fake_botapi, 1001)) == 3)
    texts = sent_texts(fake_botapi, 1001)
    assert texts.count(replies.ADMIN_ONLY) == 2 and replies.UPLOAD_ADMIN_ONLY in texts
    assert [p.name for p in corpus.iterdir() if p.suffix == ".md"] == []
    assert not fake_botapi.calls_to("getFile")


async def test_admin_stats_and_reload_report_the_corpus(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    (corpus / "broken.jsonl").write_text("{not json\n", encoding="utf-8")
    admin = {"chat_id": ADMIN, "user_id": ADMIN}
    async with running_bot(bot_settings(fake_botapi, corpus, admin_ids=frozenset({ADMIN}))):
        fake_botapi.send_text("/stats", **admin)
        stats = await fake_botapi.wait_for("sendMessage")
        write_md_article(corpus, "late.md", "خبر متأخر عن الزرافة في الحديقة.", title="زرافة")
        fake_botapi.send_text("/reload", **admin)
        reload = await fake_botapi.wait_for("sendMessage", lambda c: "✅" in c.params["text"])
    assert "المقالات: 1" in stats.params["text"] and "الجمل:" in stats.params["text"]
    assert "broken.jsonl" in stats.params["text"]  # skipped files are listed with the reason
    assert "آخر تحميل" in stats.params["text"]
    assert "late.md" in reload.params["text"] and "2 مقالة" in reload.params["text"]
    assert not fake_botapi.rejected, fake_botapi.summary()


async def test_admin_upload_is_added_and_answerable_at_once(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    admin = {"chat_id": ADMIN, "user_id": ADMIN}
    settings = bot_settings(
        fake_botapi, corpus, admin_ids=frozenset({ADMIN}), max_upload_bytes=4000
    )
    async with running_bot(settings):
        fake_botapi.send_document("observatory.md", NEW_ARTICLE, **admin)
        added = await fake_botapi.wait_for("sendMessage")
        fake_botapi.send_text("أين افتتحت الجامعة المرصد الفلكي؟", **admin)
        answer = await fake_botapi.wait_for("sendMessage", lambda c: "❓" in c.params["text"])
        uploads = [
            fake_botapi.send_document("photo.png", b"\x89PNG", mime_type="image/png", **admin),
            fake_botapi.send_document("huge.txt", b"x" * 5000, **admin),
            fake_botapi.send_document("binary.txt", b"\x00\x01\x02" * 100, **admin),
            fake_botapi.send_document("empty.txt", b"", **admin),
            fake_botapi.send_document("observatory.md", NEW_ARTICLE, **admin),
        ]
        await fake_botapi.wait_for(
            "sendMessage", lambda c: len(sent_texts(fake_botapi, ADMIN)) == 7
        )
    assert "✅" in added.params["text"] and "افتتاح مرصد فلكي في الطائف" in added.params["text"]
    assert "الطائف" in answer.params["text"] and "لم أجد" not in answer.params["text"]
    reply_to = {
        c.params["reply_parameters"]["message_id"]: c.params["text"]
        for c in fake_botapi.calls_to("sendMessage")
    }
    wrong_type, too_big, unreadable, empty, again = (reply_to[m] for m in uploads)
    assert "❌" in wrong_type and ".jsonl" in wrong_type
    assert "❌" in too_big and "4,000" in too_big
    assert "❌" in unreadable and replies.UPLOAD_UNREADABLE in unreadable
    assert "❌" in empty and replies.UPLOAD_EMPTY in empty
    assert "موجود في المكتبة من قبل" in again
    assert len([p for p in corpus.iterdir() if p.suffix == ".md"]) == 1
    assert not fake_botapi.rejected, fake_botapi.summary()


async def test_a_file_dropped_into_the_corpus_is_answered_without_restart(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus, reload_interval=0.1)) as application:
        live = live_retriever_of(application)
        write_md_article(corpus, "giraffe.md", "ولدت زرافة صغيرة في حديقة الحيوان.", title="زرافة")
        # the reload loop runs every 0.1 s: wait for it to see the file
        assert await wait_until(
            lambda: live.last_report is not None and "giraffe.md" in live.last_report.added
        )
        fake_botapi.send_text("أين ولدت الزرافة الصغيرة؟")
        answer = await fake_botapi.wait_for("sendMessage")
    assert "حديقة الحيوان" in answer.params["text"]


async def test_command_menu_failure_is_a_warning_and_the_bot_runs_on(
    caplog: pytest.LogCaptureFixture, corpus: Path
) -> None:
    class FailingBot:
        async def set_my_commands(self, *args: object, **kwargs: object) -> None:
            raise NetworkError("Bad Gateway")

    class FakeApplication:
        bot = FailingBot()

    handlers = BotHandlers(Settings(token=TEST_TOKEN), LiveRetriever(corpus))
    with caplog.at_level(logging.WARNING):
        await handlers._set_commands(FakeApplication())  # type: ignore[arg-type]
    assert "could not register the default command menu (running anyway): Bad" in caplog.text


async def test_reload_after_a_touch_reports_no_change(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    article = next(corpus.glob("*.txt"))
    admin = {"chat_id": ADMIN, "user_id": ADMIN}
    async with running_bot(bot_settings(fake_botapi, corpus, admin_ids=frozenset({ADMIN}))):
        stat = article.stat()
        os.utime(article, ns=(stat.st_atime_ns, stat.st_mtime_ns + 7_000_000_000))
        fake_botapi.send_text("/reload", **admin)
        reload = await fake_botapi.wait_for("sendMessage", lambda c: "✅" in c.params["text"])
    assert "لا تغييرات" in reload.params["text"] and "عُدّل" not in reload.params["text"]
