"""Hostile messages sent to the running bot: each gets exactly one reply, and Telegram (the
loopback server, which validates like Telegram) accepts every message the bot sends.

This is the end-to-end companion of the hostile-input properties: the same kind of text, but
through python-telegram-bot, the handlers and the Bot API, in private chats, group mentions,
inline queries and «المزيد» presses.
"""

from __future__ import annotations

import random
from pathlib import Path

from tests.bot_harness import bot_settings, running_bot
from tests.delivery import Question, ask, delivery_report, wait_until_answered
from tests.fake_botapi import FakeBotApi
from tests.hostile_text import NASTY_FRAGMENTS, assert_valid_reply

ARABIC = ("الأمن", "الرقمي", "جاك", "ما", "الصين", "القرصنة", "سياتل", "ماذا", "قال", "عن")
MESSAGES = 120
GROUP_MESSAGES = 8


def hostile_messages(count: int, seed: int = 7) -> list[str]:
    """Return `count` deterministic hostile texts a Telegram user could send."""
    rng = random.Random(seed)
    pieces = NASTY_FRAGMENTS + ARABIC
    texts = [
        "الأمن " * 700,  # 4,200 characters
        "😀" * 2000,  # 4,000 UTF-16 code units
        "\u0651" * 50,  # nothing but a combining mark
        "\u200f\u200b\u2066",  # nothing visible at all
        "<b>جاك</b> &amp; <script>ما</script>",
    ]
    while len(texts) < count:
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        if rng.random() < 0.3:
            text += "".join(chr(rng.randint(0x20, 0x10FFFF)) for _ in range(rng.randint(1, 20)))
        text = text.encode("utf-8", "ignore").decode("utf-8")  # no lone surrogates
        if text.strip():  # Telegram does not deliver empty messages
            texts.append(text)
    return texts


async def test_hostile_messages_each_get_one_reply_telegram_accepts(
    fake_botapi: FakeBotApi, corpus_dir: Path
) -> None:
    api = fake_botapi
    texts = hostile_messages(MESSAGES)
    async with running_bot(bot_settings(api, corpus_dir)):
        questions: list[Question] = [
            ask(api, text, user_id=700 + n % 7) for n, text in enumerate(texts)
        ]
        for n, text in enumerate(texts[:20]):
            api.inline_query(text[:256], user_id=800 + n)
        # Telegram allows about 20 messages a minute in a group and the bot paces itself to
        # that: 8 mentions get their answers without waiting for the group budget to refill
        for n, text in enumerate(texts[:GROUP_MESSAGES]):
            api.send_text(
                f"@{api.bot_username} {text}", chat_id=-5000, user_id=900 + n, chat_type="group"
            )
        await wait_until_answered(api, questions)
        await api.wait_for(
            "answerInlineQuery", lambda c: len(api.calls_to("answerInlineQuery")) == 20
        )
        # press «المزيد» under every answer that has one
        pressed = 0
        for chat_id in {q.chat_id for q in questions}:
            for message in api.bot_messages(chat_id):
                if message["reply_markup"]:
                    button = message["reply_markup"]["inline_keyboard"][0][0]
                    api.press_button(
                        message["message_id"], button["callback_data"], chat_id=chat_id
                    )
                    pressed += 1
        await api.wait_for(
            "answerCallbackQuery", lambda c: len(api.calls_to("answerCallbackQuery")) == pressed
        )
        group_replies = await api.wait_for(
            "sendMessage", lambda c: len(api.bot_messages(-5000)) == GROUP_MESSAGES
        )
    report = delivery_report(api, questions)
    assert report.exactly_once, report.line()
    assert api.rejected == [], api.rejected[:3]  # Telegram would have accepted every call
    assert pressed > 0 and group_replies
    for call in api.calls_to("sendMessage") + api.calls_to("editMessageText"):
        assert_valid_reply(call.params["text"])
        assert "عذرًا، حدث خطأ" not in call.params["text"]  # no handler failed
