"""Follow-up questions in a chat, against the loopback Bot API server: carried, /new, TTL."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import replies
from tests.bot_harness import ManualClock, bot_settings, running_bot, write_md_article
from tests.fake_botapi import FakeBotApi

FOUNDER_QUESTION = "من هو مؤسس علي بابا؟"
FOLLOW_UP = "وماذا قال عن الأمن الرقمي؟"
ALIBABA_ANSWER = "مسؤولية الجميع"
EUROPE_ANSWER = "وزراء أوروبا"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Two articles on digital security, one of them about Alibaba's founder."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_md_article(
        folder,
        "alibaba.md",
        "أسس جاك ما شركة علي بابا في مدينة هانغتشو عام 1999.\n\n"
        "وتحدث مؤسس علي بابا في مؤتمر التجارة عن الأمن الرقمي وقال إنه مسؤولية الجميع.",
        title="جاك ما وشركة علي بابا",
    )
    write_md_article(
        folder,
        "europe.md",
        "ناقش وزراء أوروبا الأمن الرقمي في اجتماع بروكسل.\n\n"
        "وقال الوزراء إن الأمن الرقمي أولوية قصوى هذا العام.",
        title="وزراء أوروبا يجتمعون",
    )
    return folder


async def reply_to(api: FakeBotApi, text: str) -> str:
    """Send `text` from the default private chat; return the HTML of the bot's next message."""
    before = len(api.calls_to("sendMessage"))
    api.send_text(text)
    await api.wait_for("sendMessage", lambda _: len(api.calls_to("sendMessage")) > before)
    return api.calls_to("sendMessage")[before].params["text"]


def first_hit(answer: str) -> str:
    """Return the first result block of an answer (after the question header and note)."""
    return answer.split("\n\n")[1]


async def test_follow_up_is_answered_from_the_previous_article_until_new(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus, top_k=1)):
        alone = await reply_to(fake_botapi, FOLLOW_UP)
        assert EUROPE_ANSWER in first_hit(alone)

        assert "علي بابا" in first_hit(await reply_to(fake_botapi, FOUNDER_QUESTION))
        follow_up_answer = await reply_to(fake_botapi, FOLLOW_UP)
        assert ALIBABA_ANSWER in first_hit(follow_up_answer)
        assert replies.follow_up_note(FOUNDER_QUESTION) in follow_up_answer

        assert await reply_to(fake_botapi, "/new") == replies.NEW_TOPIC
        after_new = await reply_to(fake_botapi, FOLLOW_UP)
        assert EUROPE_ANSWER in first_hit(after_new)
        assert "/new" not in after_new
    assert not fake_botapi.rejected, fake_botapi.summary()


async def test_follow_up_context_expires_after_the_ttl(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    clock = ManualClock()
    async with running_bot(bot_settings(fake_botapi, corpus, follow_up_ttl=60.0), clock):
        await reply_to(fake_botapi, FOUNDER_QUESTION)
        clock.now += 61
        assert EUROPE_ANSWER in first_hit(await reply_to(fake_botapi, FOLLOW_UP))


async def test_context_is_per_chat(fake_botapi: FakeBotApi, corpus: Path) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus)):
        await reply_to(fake_botapi, FOUNDER_QUESTION)
        fake_botapi.send_text(FOLLOW_UP, chat_id=2002, user_id=2002)
        call = await fake_botapi.wait_for("sendMessage", lambda c: c.params["chat_id"] == 2002)
    assert EUROPE_ANSWER in first_hit(call.params["text"])


async def test_help_mentions_follow_ups_and_new(fake_botapi: FakeBotApi, corpus: Path) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus)):
        text = await reply_to(fake_botapi, "/help")
    assert "/new" in text and "ومتى حدث ذلك؟" in text
    menus = fake_botapi.calls_to("setMyCommands")
    assert any("new" in str(call.params["commands"]) for call in menus)


async def test_more_button_pages_a_follow_up_with_the_same_context(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus, top_k=1)):
        await reply_to(fake_botapi, FOUNDER_QUESTION)
        answer = await reply_to(fake_botapi, FOLLOW_UP)
        button = fake_botapi.calls_to("sendMessage")[-1].params["reply_markup"]
        data = button["inline_keyboard"][0][0]["callback_data"]
        message_id = fake_botapi.bot_messages(1001)[-1]["message_id"]
        await reply_to(fake_botapi, "/new")  # a later /new does not change this answer's pages
        fake_botapi.press_button(message_id, data)
        edit = await fake_botapi.wait_for("editMessageText")
    assert replies.follow_up_note(FOUNDER_QUESTION) in answer
    assert replies.follow_up_note(FOUNDER_QUESTION) in edit.params["text"]
    assert "<b>2.</b>" in edit.params["text"]
    assert not fake_botapi.rejected, fake_botapi.summary()
