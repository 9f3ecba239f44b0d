"""With ALLOWED_CHAT_IDS set, nothing from the corpus reaches anyone outside the allow-list,
whatever kind of update they send; admins' commands stay refused to everyone else.
"""

from __future__ import annotations

from pathlib import Path

from bot import replies
from bot.config import Settings
from retrieval.search import Retriever
from tests.bot_harness import bot_settings, running_bot, sent_texts
from tests.fake_botapi import FakeBotApi

ALLOWED_CHAT = 1001
ADMIN = 42
OUTSIDER = 666
FOREIGN_GROUP = -777
JACK_MA = "ماذا قال جاك ما عن الأمن الرقمي؟"


def corpus_fragments(corpus_dir: Path) -> list[str]:
    """Return strings that only corpus content contains: titles, categories, sentence starts."""
    retriever = Retriever.open(corpus_dir)
    fragments = []
    for article in retriever.articles:
        fragments += [article.title, *(v for v in (article.category, article.source) if v)]
        for sentence in article.text.split("."):
            if len(sentence.strip()) >= 20:
                fragments.append(sentence.strip()[:20])
    return fragments


def said_to_outsiders(api: FakeBotApi) -> list[str]:
    """Return everything the bot sent toward the outsider and the foreign group."""
    texts = []
    for call in api.calls + api.rejected:
        to_outsider = call.params.get("chat_id") in (OUTSIDER, FOREIGN_GROUP)
        if to_outsider or call.method in ("answerCallbackQuery", "answerInlineQuery"):
            texts.append(repr(call.params))
    return texts


def allow_list_settings(api: FakeBotApi, corpus_dir: Path, *allowed: int) -> Settings:
    """Return bot settings allowing only the chats `allowed`, with ADMIN as the admin."""
    return bot_settings(
        api, corpus_dir, allowed_chat_ids=frozenset(allowed), admin_ids=frozenset({ADMIN})
    )


async def wait_for_messages(api: FakeBotApi, chat_id: int, count: int) -> None:
    """Wait until the bot has sent `count` messages to `chat_id` (extras, which would fail
    the test, arrive before the bot's graceful stop returns)."""
    await api.wait_for("sendMessage", lambda c: len(sent_texts(api, chat_id)) >= count)


async def test_outsiders_get_refusals_and_no_corpus_content_whatever_they_send(
    fake_botapi: FakeBotApi, corpus_dir: Path
) -> None:
    api = fake_botapi
    settings = allow_list_settings(api, corpus_dir, ALLOWED_CHAT)
    outsider = {"chat_id": OUTSIDER, "user_id": OUTSIDER}
    group = {"chat_id": FOREIGN_GROUP, "user_id": OUTSIDER, "chat_type": "supergroup"}
    async with running_bot(settings):
        api.send_text("/start", **outsider)
        api.send_text("/help", **outsider)
        api.send_text(JACK_MA, **outsider)
        api.send_text(f"/ask {JACK_MA}", **outsider)
        api.send_text("/stats", **outsider)
        api.send_sticker(**outsider)
        api.send_document("مقال.md", "---\ntitle: مقال\n---\nنص المقال".encode(), **outsider)
        api.send_text(f"@{api.bot_username} {JACK_MA}", **group)
        api.send_text(f"/ask {JACK_MA}", **group)
        api.inline_query(JACK_MA, user_id=OUTSIDER)
        api.send_text(JACK_MA)  # the allowed chat
        await api.wait_for("answerInlineQuery")
        await wait_for_messages(api, ALLOWED_CHAT, 1)
        await wait_for_messages(api, FOREIGN_GROUP, 1)
        await wait_for_messages(api, OUTSIDER, 7)
    assert sent_texts(api, OUTSIDER) == [replies.NOT_ALLOWED] * 7
    assert sent_texts(api, FOREIGN_GROUP) == [replies.NOT_ALLOWED]  # /ask; the mention: silence
    assert api.calls_to("answerInlineQuery")[0].params["results"] == []
    assert not api.calls_to("getFile")  # the outsider's document was never downloaded
    fragments = corpus_fragments(corpus_dir)
    leaked = [f for f in fragments for text in said_to_outsiders(api) if f in text]
    assert leaked == []
    assert any(f in sent_texts(api, ALLOWED_CHAT)[0] for f in fragments)  # the check can fail


async def test_admin_commands_are_refused_to_non_admins_even_in_allowed_chats(
    fake_botapi: FakeBotApi, corpus_dir: Path
) -> None:
    api = fake_botapi
    settings = allow_list_settings(api, corpus_dir, ALLOWED_CHAT, ADMIN)
    async with running_bot(settings):
        for command in ("/stats", "/reload", "/reload force"):
            api.send_text(command)  # an ordinary user in the allowed chat
        api.send_text("/stats", chat_id=ADMIN, user_id=ADMIN)
        await wait_for_messages(api, ADMIN, 1)
        await wait_for_messages(api, ALLOWED_CHAT, 3)
    assert sent_texts(api, ALLOWED_CHAT) == [replies.ADMIN_ONLY] * 3
    [to_admin] = sent_texts(api, ADMIN)
    assert to_admin != replies.ADMIN_ONLY and "1" in to_admin  # the admin got the stats
