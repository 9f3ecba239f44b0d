"""The three kinds of reply by confidence: an answer, the closest sentence marked as
uncertain, or the no-answer message with a hint; rendered and sent as valid Telegram HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import replies
from bot.config import ConfigError, Settings
from retrieval.confidence import DEFAULT_CONFIDENT, DEFAULT_UNCERTAIN, Band
from retrieval.corpus import Article
from retrieval.search import Hit
from tests.bot_harness import bot_settings, running_bot, seed_corpus
from tests.fake_botapi import TEST_TOKEN, FakeBotApi
from tests.telegram_html import parse_telegram_html

QUESTION = "ماذا قال جاك ما عن الأمن الرقمي؟"  # confidence 0.58 on the seed corpus


def hit(text: str, confidence: float = 0.5) -> Hit:
    article = Article(id="a1", title="عنوان", text=text, path="a1.md")
    return Hit(text, 1.0, 0, len(text), article, 0, (), (), confidence=confidence)


def test_an_uncertain_answer_says_so_and_marks_the_sentence() -> None:
    answer = replies.answer_message("سؤال <x>", [hit("أقرب جملة & غيرها.")], 0, Band.UNCERTAIN)
    visible = parse_telegram_html(answer.text).text
    assert replies.UNCERTAIN_INTRO in visible
    assert visible.index(replies.UNCERTAIN_INTRO) < visible.index("أقرب جملة & غيرها.")
    assert replies.UNCERTAIN_MARK + "1." in visible and answer.shown == 1
    assert replies.question_from_answer(visible) == "سؤال <x>"


def test_the_none_band_gives_the_no_answer_message_with_a_hint() -> None:
    answer = replies.answer_message("سؤال", [hit("جملة.")], 0, Band.NONE)
    visible = parse_telegram_html(answer.text).text
    assert answer.shown == 0 and "لم أجد" in visible and "صياغة أخرى" in visible
    assert "جملة." not in visible


def test_a_confident_answer_is_rendered_as_before() -> None:
    hits = [hit("جملة.")]
    assert replies.answer_message("سؤال", hits, 0, Band.CONFIDENT) == replies.answer_message(
        "سؤال", hits
    )


def test_thresholds_are_settings_with_the_measured_defaults() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TEST_TOKEN})
    assert (settings.confident_threshold, settings.uncertain_threshold) == (
        DEFAULT_CONFIDENT,
        DEFAULT_UNCERTAIN,
    )
    custom = Settings.from_env(
        {"TELEGRAM_BOT_TOKEN": TEST_TOKEN, "CONFIDENT_THRESHOLD": "0.6", "UNCERTAIN_THRESHOLD": "0"}
    )
    assert (
        custom.thresholds.band(0.59) is Band.UNCERTAIN
        and custom.thresholds.band(0) is not Band.NONE
    )


@pytest.mark.parametrize(
    "values",
    [{"CONFIDENT_THRESHOLD": "1.5"}, {"UNCERTAIN_THRESHOLD": "x"}, {"UNCERTAIN_THRESHOLD": "0.9"}],
)
def test_bad_thresholds_are_one_line_config_errors(values: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"TELEGRAM_BOT_TOKEN": TEST_TOKEN, **values})
    assert "THRESHOLD" in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("confident", "uncertain", "expected"),
    [
        (DEFAULT_CONFIDENT, DEFAULT_UNCERTAIN, "confident"),
        (1.0, 0.0, "uncertain"),
        (1.0, 1.0, "none"),
    ],
)
async def test_the_bot_sends_each_kind_of_reply_as_valid_html(
    fake_botapi: FakeBotApi, tmp_path: Path, confident: float, uncertain: float, expected: str
) -> None:
    corpus = seed_corpus(tmp_path / "corpus")
    settings = bot_settings(
        fake_botapi, corpus, confident_threshold=confident, uncertain_threshold=uncertain
    )
    async with running_bot(settings):
        fake_botapi.send_text(QUESTION)
        call = await fake_botapi.wait_for("sendMessage")
    text = call.params["text"]
    visible = parse_telegram_html(text).text
    assert call.params["parse_mode"] == "HTML" and not fake_botapi.rejected, fake_botapi.summary()
    if expected == "confident":
        assert "جاك ما" in visible and replies.UNCERTAIN_INTRO not in visible
    elif expected == "uncertain":
        assert replies.UNCERTAIN_INTRO in visible and "جاك ما" in visible
        assert visible.count("📰") == 1  # only the closest sentence; the others behind «المزيد»
        button = call.params["reply_markup"]["inline_keyboard"][0][0]
        assert button["callback_data"] == "more:1"
    else:
        assert "لم أجد" in visible and "📰" not in visible
        assert "reply_markup" not in call.params


async def test_inline_results_follow_the_bands(fake_botapi: FakeBotApi, tmp_path: Path) -> None:
    corpus = seed_corpus(tmp_path / "corpus")
    uncertain = bot_settings(fake_botapi, corpus, confident_threshold=1.0, uncertain_threshold=0.0)
    async with running_bot(uncertain):
        fake_botapi.inline_query(QUESTION)
        call = await fake_botapi.wait_for("answerInlineQuery")
    results = call.params["results"]
    assert results and all(r["description"].startswith(replies.UNCERTAIN_MARK) for r in results)
    message = results[0]["input_message_content"]["message_text"]
    assert replies.UNCERTAIN_INTRO in parse_telegram_html(message).text
    assert not fake_botapi.rejected, fake_botapi.summary()


async def test_inline_query_in_the_none_band_gets_no_results(
    fake_botapi: FakeBotApi, tmp_path: Path
) -> None:
    corpus = seed_corpus(tmp_path / "corpus")
    none = bot_settings(fake_botapi, corpus, confident_threshold=1.0, uncertain_threshold=1.0)
    async with running_bot(none):
        fake_botapi.inline_query(QUESTION)
        call = await fake_botapi.wait_for("answerInlineQuery")
    assert call.params["results"] == []


async def test_more_after_an_uncertain_answer_keeps_the_sentences_marked(
    fake_botapi: FakeBotApi, tmp_path: Path
) -> None:
    corpus = seed_corpus(tmp_path / "corpus")
    settings = bot_settings(fake_botapi, corpus, confident_threshold=1.0, uncertain_threshold=0.0)
    async with running_bot(settings):
        fake_botapi.send_text(QUESTION)
        await fake_botapi.wait_for("sendMessage")
        message_id = fake_botapi.bot_messages(1001)[-1]["message_id"]
        fake_botapi.press_button(message_id, "more:1")
        edit = await fake_botapi.wait_for("editMessageText")
    visible = parse_telegram_html(edit.params["text"]).text
    assert replies.UNCERTAIN_INTRO in visible and replies.UNCERTAIN_MARK + "2." in visible
    assert replies.UNCERTAIN_MARK + "1." not in visible
    assert not fake_botapi.rejected, fake_botapi.summary()
