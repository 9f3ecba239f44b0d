"""The loopback Bot API server answers a real python-telegram-bot client like Telegram does."""

from __future__ import annotations

import asyncio

import pytest
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from tests.fake_botapi import TEST_TOKEN, FakeBotApi, Fault
from tests.telegram_html import TelegramHtmlError, parse_telegram_html


def make_bot(server: FakeBotApi, token: str = TEST_TOKEN) -> telegram.Bot:
    """Return a real telegram.Bot talking to the loopback server."""
    return telegram.Bot(token, base_url=server.base_url, base_file_url=server.base_file_url)


async def test_get_me_describes_the_test_bot(fake_botapi: FakeBotApi) -> None:
    async with make_bot(fake_botapi) as bot:
        me = await bot.get_me()
    assert me.username == "arabic_qa_test_bot"
    assert me.id == 7000001
    assert me.is_bot


async def test_wrong_token_is_unauthorized(fake_botapi: FakeBotApi) -> None:
    bot = make_bot(fake_botapi, token="999999:WRONG_token_wrong_token_wrong_tok")
    with pytest.raises(InvalidToken):
        await bot.initialize()


async def test_send_message_with_html_returns_visible_text_and_entities(
    fake_botapi: FakeBotApi,
) -> None:
    question_id = fake_botapi.send_text("سؤال", chat_id=42, user_id=42)
    async with make_bot(fake_botapi) as bot:
        sent = await bot.send_message(
            42,
            'الجواب <b>الأمن</b> &amp; <a href="https://example.com/a?x=1&amp;y=2">المصدر</a>',
            parse_mode=ParseMode.HTML,
            reply_to_message_id=question_id,
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("المزيد", callback_data="m:1")]]
            ),
        )
    assert sent.text == "الجواب الأمن & المصدر"
    assert sent.entities[0].type == "bold" and sent.entities[0].offset == 7
    assert sent.entities[1].url == "https://example.com/a?x=1&y=2"
    assert sent.reply_to_message.message_id == question_id
    [stored] = fake_botapi.bot_messages(42)
    assert stored["parse_mode"] == "HTML"
    assert stored["reply_to_message_id"] == question_id
    assert stored["text"].startswith("الجواب <b>الأمن</b>")
    assert stored["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "m:1"
    call = await fake_botapi.wait_for("sendMessage")
    assert call.params["chat_id"] == 42


@pytest.mark.parametrize(
    "text",
    ["<b>غير مغلق", "<script>alert(1)</script>", "<b><i>x</b></i>", "a < b", "صدق & أمانة"],
)
async def test_malformed_html_is_rejected_like_telegram(fake_botapi: FakeBotApi, text: str) -> None:
    fake_botapi.send_text("سؤال", chat_id=42, user_id=42)
    async with make_bot(fake_botapi) as bot:
        with pytest.raises(BadRequest, match="parse entities"):
            await bot.send_message(42, text, parse_mode=ParseMode.HTML)
    assert fake_botapi.calls_to("sendMessage") == []
    assert fake_botapi.rejected[-1].error.startswith("Bad Request: can't parse entities")


async def test_length_limit_counts_visible_utf16_units(fake_botapi: FakeBotApi) -> None:
    fake_botapi.send_text("سؤال", chat_id=42, user_id=42)
    async with make_bot(fake_botapi) as bot:
        # tags do not count: 4096 visible characters wrapped in bold are fine
        await bot.send_message(42, "<b>" + "م" * 4096 + "</b>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(42, "م" * 4097)
        # an emoji outside the BMP is two UTF-16 code units
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(42, "😀" * 2049)
        with pytest.raises(BadRequest, match="empty"):
            await bot.send_message(42, "<b> </b>", parse_mode=ParseMode.HTML)


async def test_long_callback_data_and_too_many_inline_results_are_rejected(
    fake_botapi: FakeBotApi,
) -> None:
    fake_botapi.send_text("سؤال", chat_id=42, user_id=42)
    query_id = fake_botapi.inline_query("الأمن")
    arabic_data = "المزيد" * 6  # 36 characters, 72 bytes
    results = [
        InlineQueryResultArticle(str(n), "عنوان", InputTextMessageContent("نص")) for n in range(51)
    ]
    async with make_bot(fake_botapi) as bot:
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(
                42,
                "نص",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("المزيد", callback_data=arabic_data)]]
                ),
            )
        with pytest.raises(BadRequest, match=r"(?i)results_too_much"):
            await bot.answer_inline_query(query_id, results)
        assert await bot.answer_inline_query(query_id, results[:10])


async def test_get_updates_honours_offsets_and_records_the_confirmed_offset(
    fake_botapi: FakeBotApi,
) -> None:
    first = fake_botapi.send_text("/start", chat_id=5, user_id=5)
    fake_botapi.send_text(f"سؤال يذكر @{fake_botapi.bot_username}", chat_id=-9, chat_type="group")
    async with make_bot(fake_botapi) as bot:
        updates = await bot.get_updates(timeout=0)
        assert updates[0].message.message_id == first
        assert updates[0].message.entities[0].type == "bot_command"
        assert updates[1].message.entities[0].type == "mention"
        again = await bot.get_updates(timeout=0)
        assert [u.update_id for u in again] == [u.update_id for u in updates]
        rest = await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
        assert [u.update_id for u in rest] == [updates[1].update_id]
        assert fake_botapi.confirmed_offset == updates[0].update_id + 1
        assert await bot.get_updates(offset=updates[1].update_id + 1, timeout=0) == ()
        assert fake_botapi.pending_updates == 0


async def test_get_updates_long_polls_until_an_update_arrives(fake_botapi: FakeBotApi) -> None:
    async with make_bot(fake_botapi) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=20))
        await asyncio.sleep(0.2)
        assert not poll.done()
        fake_botapi.send_text("مرحبا")
        updates = await asyncio.wait_for(poll, 10)
    assert updates[0].message.text == "مرحبا"


async def test_flood_fault_is_seen_as_retry_after(fake_botapi: FakeBotApi) -> None:
    fake_botapi.send_text("سؤال", chat_id=42, user_id=42)
    fake_botapi.inject("sendMessage", Fault.flood(retry_after=7))
    async with make_bot(fake_botapi) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(42, "نص")
        assert "Retry in 7 seconds" in caught.value.message
        await bot.send_message(42, "نص")  # the fault is served once only
    assert [c.fault for c in fake_botapi.faulted] == ["flood"]
    assert len(fake_botapi.calls_to("sendMessage")) == 1


async def test_server_error_timeout_and_drop_faults_are_network_errors(
    fake_botapi: FakeBotApi,
) -> None:
    fake_botapi.send_text("سؤال", chat_id=42, user_id=42)
    fake_botapi.inject("sendMessage", Fault.server_error(502))
    fake_botapi.inject("sendMessage", Fault.drop())
    fake_botapi.inject("sendMessage", Fault.timeout(5))
    async with make_bot(fake_botapi) as bot:
        with pytest.raises(NetworkError):
            await bot.send_message(42, "نص")
        with pytest.raises(NetworkError):
            await bot.send_message(42, "نص")
        with pytest.raises(TimedOut):
            await bot.send_message(42, "نص", read_timeout=0.3)
    assert [c.fault for c in fake_botapi.faulted] == ["server_error", "drop", "timeout"]
    assert fake_botapi.bot_messages(42) == []


async def test_callback_edit_and_not_modified(fake_botapi: FakeBotApi) -> None:
    fake_botapi.send_text("سؤال", chat_id=42, user_id=42)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("المزيد", callback_data="more:1")]])
    async with make_bot(fake_botapi) as bot:
        sent = await bot.send_message(42, "أول", reply_markup=keyboard)
        query_id = fake_botapi.press_button(sent.message_id, "more:1", chat_id=42, user_id=42)
        update = (await bot.get_updates(timeout=0))[-1]
        assert update.callback_query.id == query_id
        assert update.callback_query.message.text == "أول"
        assert await bot.answer_callback_query(query_id)
        await bot.edit_message_text("ثاني", chat_id=42, message_id=sent.message_id)
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("ثاني", chat_id=42, message_id=sent.message_id)
    [stored] = fake_botapi.bot_messages(42)
    assert stored["text"] == "ثاني" and stored["edits"] == 1


async def test_document_is_downloadable_through_get_file(fake_botapi: FakeBotApi) -> None:
    fake_botapi.send_document("مقال.txt", "نص المقال".encode(), chat_id=42, user_id=42)
    async with make_bot(fake_botapi) as bot:
        [update] = await bot.get_updates(timeout=0)
        file = await update.message.document.get_file()
        data = await file.download_as_bytearray()
    assert data.decode() == "نص المقال"


async def test_commands_are_stored_and_unknown_methods_are_not_found(
    fake_botapi: FakeBotApi,
) -> None:
    async with make_bot(fake_botapi) as bot:
        await bot.set_my_commands([("start", "ابدأ"), ("help", "مساعدة")])
        assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
        with pytest.raises(BadRequest):
            await bot.set_my_commands([("Not-Valid", "x")])
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    assert fake_botapi.rejected[-1].error == "Not Found: method not found"


def test_html_validator_accepts_escaped_text_and_rejects_raw_markup() -> None:
    assert (
        parse_telegram_html("&lt;script&gt; &amp; &quot;x&quot; &#x27;").text == '<script> & "x" \''
    )
    with pytest.raises(TelegramHtmlError):
        parse_telegram_html("<b>x</b><br>")
