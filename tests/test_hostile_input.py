"""Hostile input never breaks the search path or the reply renderer (hypothesis).

Every property runs a fixed, derandomized set of examples so CI is deterministic;
benchmarks/hostile_input.py runs the same checks with many more examples.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import replies
from retrieval.corpus import Article, ArticleFormatError, make_article
from retrieval.search import CorpusStats, Hit, Retriever
from tests.hostile_text import (
    LONG_TEXT,
    article_meta,
    assert_valid_reply,
    check_question,
    check_rendering,
    hostile_articles,
    hostile_hits,
    hostile_text,
)
from tests.telegram_html import TelegramHtmlError

SUITE_EXAMPLES = 200
suite_settings = settings(
    max_examples=SUITE_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEED_QUESTION = "ماذا قال جاك ما عن الأمن الرقمي؟"


@pytest.fixture(scope="module")
def seed_retriever(corpus_dir: Path) -> Retriever:
    """The retriever over the repository's seed corpus, built once for the module."""
    return Retriever.open(corpus_dir)


@suite_settings
@given(question=hostile_text)
@example(question="\x00")
@example(question="")
@example(question="\u200f\u200e\u202e\u2066\u2069\u200b\u200c\u200d\ufeff")
@example(question="\u0651\u064b\u0301")
@example(question="<b>الأمن</b> & <script>alert('الرقمي')</script>")
@example(question="*الأمن* _الرقمي_ `code` [x](http://y)")
@example(question="الأمن " * (LONG_TEXT // 6))
@example(question="ا" * LONG_TEXT)
@example(question="😀" * LONG_TEXT)
@example(question=SEED_QUESTION)
def test_any_question_searches_and_renders_valid_telegram_html(
    seed_retriever: Retriever, question: str
) -> None:
    check_question(seed_retriever, question)


@suite_settings
@given(question=hostile_text, hits=st.lists(hostile_hits(), max_size=4))
def test_hits_over_hostile_articles_render_valid_telegram_html(
    question: str, hits: list[Hit]
) -> None:
    check_rendering(question, hits)
    check_rendering(question, hits, offset=3)


@settings(suite_settings, max_examples=60)
@given(article=hostile_articles(), question=hostile_text)
def test_hostile_article_is_indexed_searched_and_rendered(article: Article, question: str) -> None:
    """A hostile article goes through the real index; its own words must find it safely."""
    try:
        article = make_article("hostile", "hostile.txt", article_meta(article), article.text)
    except ArticleFormatError:
        return  # nothing indexable in it: the corpus reader skips such files by contract
    retriever = Retriever.from_articles([article])
    check_question(retriever, question)
    check_question(retriever, article.text[:300])


@suite_settings
@given(articles=st.lists(hostile_articles(), max_size=6))
def test_help_and_sources_over_hostile_articles_are_valid_telegram_html(
    articles: list[Article],
) -> None:
    examples = replies.example_questions(articles)
    assert_valid_reply(replies.help_message(examples, len(articles)))
    sources = Counter(article.source or "—" for article in articles)
    stats = CorpusStats(articles=len(articles), sentences=0, vocabulary=0, sources=dict(sources))
    assert_valid_reply(replies.sources_message(stats))


def test_the_seed_question_renders_its_answer_in_bold(seed_retriever: Retriever) -> None:
    """Guards the properties against vacuity: the seed question does produce hits."""
    hits = seed_retriever.search(SEED_QUESTION, top_k=3)
    assert hits
    answer = replies.answer_message(SEED_QUESTION, hits)
    assert "<b>" in answer.text and answer.shown >= 1
    assert_valid_reply(answer.text)


def test_the_validator_would_catch_an_unescaped_reply() -> None:
    """Guards the properties against vacuity: raw user markup is rejected by the check."""
    with pytest.raises(TelegramHtmlError):
        assert_valid_reply("❓ <b>" + "<script>" + "</b>")
    with pytest.raises(AssertionError):
        assert_valid_reply("م" * 4097)


def test_help_stays_within_the_limit_when_a_title_has_a_huge_word() -> None:
    article = make_article("long", "long.txt", {"title": "كلمة " + "ا" * 5000}, "نص المقال")
    assert_valid_reply(replies.help_message(replies.example_questions([article]), 1))
