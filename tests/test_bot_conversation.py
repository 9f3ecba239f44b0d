"""The real bot Application, in-process, against the loopback Bot API server.

Each test plays a user on `FakeBotApi` and asserts on what the bot sent: text, parse mode,
reply-to, attribution, buttons, edits, inline results. The server rejects malformed HTML and
over-long messages, so every test also checks that nothing the bot sent was rejected.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot import replies
from tests.bot_harness import (
    bot_settings,
    live_retriever_of,
    running_bot,
    seed_corpus,
    write_md_article,
)
from tests.fake_botapi import ApiCall, FakeBotApi

JACK_MA_QUESTION = "ماذا قال جاك ما عن الأمن الرقمي؟"
MOON_SENTENCES = [
    "أطلقت وكالة الفضاء مسبارًا جديدًا نحو القمر صباح الاثنين.",
    "وقال مدير المشروع إن المسبار سيصل إلى مدار القمر خلال أسبوع.",
    "ويحمل المسبار كاميرات لتصوير الجانب البعيد من القمر.",
    "وسيرسل المسبار صور القمر إلى محطة أرضية في الصحراء.",
    "ويأمل العلماء أن يكشف المسبار عن جليد في قطب القمر الجنوبي.",
]
HOSTILE_TITLE = "<script>alert(1)</script> & <b>عاجل"
HOSTILE_BODY = "شوهدت الزرافة <b>مهم</b> & <script>x()</script> تتجول في حديقة المدينة &amp; حولها."


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus with the seed article, a linked article of many moon sentences, a hostile one."""
    folder = seed_corpus(tmp_path / "corpus")
    write_md_article(
        folder,
        "moon.md",
        "\n\n".join(MOON_SENTENCES),
        title="مسبار جديد في طريقه إلى القمر",
        url="https://example.com/news?id=7&lang=ar",
        source="sabq",
        date="2015-07-21",
        category="علوم",
    )
    write_md_article(folder, "hostile.md", HOSTILE_BODY, title=HOSTILE_TITLE, category="<i>&")
    return folder


async def first_reply(api: FakeBotApi, corpus: Path, text: str, **settings: Any) -> ApiCall:
    """Run the bot, send `text` from the default private chat; return the bot's first message."""
    async with running_bot(bot_settings(api, corpus, **settings)):
        api.send_text(text)
        return await api.wait_for("sendMessage")


def assert_nothing_rejected(api: FakeBotApi) -> None:
    """Fail if the server refused any call (malformed HTML, too long, unknown message...)."""
    assert not api.rejected, api.summary()


async def test_start_answers_in_arabic_with_example_questions(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    call = await first_reply(fake_botapi, corpus, "/start")
    assert call.params["parse_mode"] == "HTML"
    assert "أهلًا بك" in call.params["text"]
    assert "ماذا قيل عن" in call.params["text"]  # examples drawn from article titles
    assert_nothing_rejected(fake_botapi)


async def test_commands_menu_is_registered_in_arabic(fake_botapi: FakeBotApi, corpus: Path) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus, admin_ids=frozenset({42}))):
        pass
    default_menu = fake_botapi.commands[next(k for k in fake_botapi.commands if "42" not in k)]
    assert {c["command"] for c in default_menu} == {
        "start",
        "help",
        "ask",
        "sources",
        "privacy",
        "new",
    }
    assert all(re.search("[\u0600-\u06ff]", c["description"]) for c in default_menu)
    admin_menu = fake_botapi.commands[next(k for k in fake_botapi.commands if "42" in k)]
    assert {"stats", "reload"} <= {c["command"] for c in admin_menu}


async def test_question_is_answered_in_reply_with_sentence_title_and_category(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus)):
        question_id = fake_botapi.send_text(JACK_MA_QUESTION)
        call = await fake_botapi.wait_for("sendMessage")
    action = fake_botapi.calls_to("sendChatAction")[0]
    assert action.params["action"] == "typing" and action.at <= call.at
    assert call.params["parse_mode"] == "HTML"
    assert call.params["reply_parameters"]["message_id"] == question_id
    text = call.params["text"]
    assert "<b>جاك</b>" in text and "علي بابا" in text  # the Jack Ma sentence, among the top
    assert "الرئيس الصيني يقدم وعوداً بالعمل مع الولايات المتحدة بشأن الأمن الرقمي" in text
    assert "الأمن الإلكتروني" in text  # the article's category
    assert_nothing_rejected(fake_botapi)


async def test_attribution_links_the_title_and_shows_source_and_date(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    call = await first_reply(fake_botapi, corpus, "متى يصل المسبار إلى مدار القمر؟")
    text = call.params["text"]
    assert '<a href="https://example.com/news?id=7&amp;lang=ar">مسبار جديد' in text
    assert "sabq · 2015-07-21 · علوم" in text
    message = fake_botapi.bot_messages(1001)[-1]
    assert any(e["type"] == "text_link" for e in message["entities"])
    assert_nothing_rejected(fake_botapi)


async def test_more_button_edits_the_answer_to_the_next_results(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus, top_k=2)):
        fake_botapi.send_text("المسبار القمر")
        first = await fake_botapi.wait_for("sendMessage")
        button = first.params["reply_markup"]["inline_keyboard"][0][0]
        assert button["text"] == "المزيد" and button["callback_data"] == "more:2"
        message_id = fake_botapi.bot_messages(1001)[-1]["message_id"]

        fake_botapi.press_button(message_id, "more:2")
        second = await fake_botapi.wait_for("editMessageText")
        assert "<b>3.</b>" in second.params["text"] and "<b>1.</b>" not in second.params["text"]
        assert second.params["text"].startswith(replies.QUESTION_MARK + "<b>المسبار القمر</b>")
        assert second.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "more:4"

        fake_botapi.press_button(message_id, "more:2")  # a second tap on the old button
        await fake_botapi.wait_for(
            "answerCallbackQuery", lambda c: c.params["callback_query_id"] == "cbq2"
        )
        fake_botapi.press_button(message_id, "more:4")
        await fake_botapi.wait_for("editMessageText", lambda c: "<b>5.</b>" in c.params["text"])

        fake_botapi.press_button(message_id, "more:6")
        await fake_botapi.wait_for(
            "answerCallbackQuery", lambda c: c.params.get("text") == replies.NO_MORE
        )
    assert "5." in fake_botapi.bot_messages(1001)[-1]["visible_text"]
    assert len(fake_botapi.calls_to("answerCallbackQuery")) == 4
    # the double tap asked for the page already shown: refused by Telegram, no apology
    assert [c.method for c in fake_botapi.rejected] == ["editMessageText"]
    assert "not modified" in fake_botapi.rejected[0].error
    assert fake_botapi.calls_to("answerCallbackQuery")[1].params.get("text") is None


async def test_inline_query_returns_sentences_with_their_titles(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus)):
        fake_botapi.inline_query("المسبار القمر")
        call = await fake_botapi.wait_for("answerInlineQuery")
    results = call.params["results"]
    assert 1 <= len(results) <= 10
    assert len(results) == len(MOON_SENTENCES)
    first = results[0]
    assert first["type"] == "article" and first["title"].startswith("مسبار جديد")
    assert "القمر" in first["description"]
    assert first["input_message_content"]["parse_mode"] == "HTML"
    assert "<b>القمر</b>" in first["input_message_content"]["message_text"]
    assert_nothing_rejected(fake_botapi)


async def test_group_answers_mentions_replies_and_ask_but_ignores_chatter(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    group = {"chat_id": -5001, "chat_type": "supergroup", "user_id": 2002}
    async with running_bot(bot_settings(fake_botapi, corpus)):
        fake_botapi.send_text("صباح الخير يا جماعة، هل رأيتم القمر أمس؟", **group)
        fake_botapi.send_text("@arabic_qa_test_bot متى يصل المسبار إلى مدار القمر؟", **group)
        mention = await fake_botapi.wait_for("sendMessage")
        fake_botapi.send_text("/ask ماذا قال جاك ما عن الأمن الرقمي؟", **group)
        await fake_botapi.wait_for("sendMessage", lambda c: "جاك" in c.params["text"])
        bot_message = fake_botapi.bot_messages(-5001)[0]["message_id"]
        fake_botapi.send_text("وماذا عن الزرافة؟", reply_to_message_id=bot_message, **group)
        await fake_botapi.wait_for("sendMessage", lambda c: "الزرافة" in c.params["text"])
        fake_botapi.send_text("شكرًا، سأقرأ عن القمر لاحقًا", **group)
        fake_botapi.send_sticker(**group)
        fake_botapi.send_text("/sources", **group)  # a marker: handled after the chatter
        await fake_botapi.wait_for("sendMessage", lambda c: "📚" in c.params["text"])
    assert "<b>متى يصل المسبار إلى مدار القمر؟</b>" in mention.params["text"]
    assert "@arabic_qa_test_bot" not in mention.params["text"]
    assert len(fake_botapi.calls_to("sendMessage")) == 4  # mention, /ask, reply, /sources
    # Telegram counts a chat action against a group's 20 messages a minute: answers only
    assert fake_botapi.calls_to("sendChatAction") == []
    assert_nothing_rejected(fake_botapi)


async def test_question_without_hits_gets_a_helpful_message(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    call = await first_reply(fake_botapi, corpus, "كم عدد لاعبي فريق الكريكيت؟")
    assert "لم أجد" in call.params["text"] and "/help" in call.params["text"]
    assert "reply_markup" not in call.params
    assert_nothing_rejected(fake_botapi)


async def test_stickers_photos_and_voice_get_a_short_hint(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus)):
        fake_botapi.send_sticker()
        fake_botapi.send_photo()
        fake_botapi.send_voice()
        await fake_botapi.wait_for(
            "sendMessage", lambda c: len(fake_botapi.calls_to("sendMessage")) == 3
        )
    texts = [c.params["text"] for c in fake_botapi.calls_to("sendMessage")]
    assert texts == [replies.NON_TEXT_HINT] * 3
    assert_nothing_rejected(fake_botapi)


async def test_article_with_html_in_title_and_body_is_shown_escaped(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    call = await first_reply(fake_botapi, corpus, "أين شوهدت الزرافة <b>؟ & <script>")
    text = call.params["text"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;عاجل" in text
    # the question's "script" matches the body's: highlighted inside the escaped markup
    assert "&lt;b&gt;مهم&lt;/b&gt; &amp; &lt;<b>script</b>&gt;x()&lt;/<b>script</b>&gt;" in text
    assert "&amp;amp;" in text  # a literal "&amp;" in the body stays literal
    assert "&lt;i&gt;&amp;" in text  # the category too
    assert "<script" not in text
    visible = fake_botapi.bot_messages(1001)[-1]["visible_text"]
    assert HOSTILE_TITLE in visible and "<b>مهم</b> & <script>x()</script>" in visible
    assert_nothing_rejected(fake_botapi)


async def test_very_long_question_is_cut_before_search(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    question = "متى يصل المسبار إلى مدار القمر " + "وماذا بعد " * 2000
    call = await first_reply(fake_botapi, corpus, question[:4096], max_question_chars=120)
    header = call.params["text"].split("\n", 1)[0]
    assert len(header) < 200 and "القمر" in call.params["text"]
    assert_nothing_rejected(fake_botapi)


async def test_failure_in_a_handler_gets_an_arabic_apology_and_no_traceback(
    fake_botapi: FakeBotApi, corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_search(*args: object, **kwargs: object) -> list:
        raise RuntimeError("index exploded at /srv/secret/path")

    async with running_bot(bot_settings(fake_botapi, corpus)) as application:
        live_retriever_of(application).current.search = broken_search
        live_retriever_of(application).current.respond = broken_search
        fake_botapi.send_text("سؤال عن القمر")
        call = await fake_botapi.wait_for("sendMessage")
    assert call.params["text"] == replies.APOLOGY  # nothing of the error reaches the chat
    assert "update 1 failed" in caplog.text and "index exploded" in caplog.text
    assert_nothing_rejected(fake_botapi)


async def test_more_button_still_works_after_a_restart(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    settings = bot_settings(fake_botapi, corpus, top_k=2)
    async with running_bot(settings):
        fake_botapi.send_text("المسبار القمر")
        await fake_botapi.wait_for("sendMessage")
    message_id = fake_botapi.bot_messages(1001)[-1]["message_id"]
    async with running_bot(settings):  # a new process would know nothing but the message
        fake_botapi.press_button(message_id, "more:2")
        edit = await fake_botapi.wait_for("editMessageText")
    assert "<b>3.</b>" in edit.params["text"] and "المسبار" in edit.params["text"]
    assert_nothing_rejected(fake_botapi)
