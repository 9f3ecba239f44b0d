"""The news check's question maker: reader-style questions never hold their own answer."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from retrieval.corpus import Article
from retrieval.index import build

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "news_quality_check.py"
_SPEC = importlib.util.spec_from_file_location("news_quality_check", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
news = importlib.util.module_from_spec(_SPEC)
sys.modules["news_quality_check"] = news
_SPEC.loader.exec_module(news)

TEXT = (
    "أعلنت وزارة الصحة أن حملة التطعيم شملت {n} ألف طفل في المناطق الشمالية والجنوبية.\n"
    "وانطلقت الحملة الوطنية للتطعيم في شهر مارس الماضي بمشاركة فرق طبية من عدة مدن.\n"
    "وقال المتحدث باسم الوزارة إن الفرق الطبية زارت المدارس والمنازل في القرى البعيدة."
)


CITIES = "الرياض جدة الدمام مكة المدينة تبوك أبها حائل جازان نجران".split()


def corpus() -> list[Article]:
    """Return news-like articles; the first two are one story in two papers."""
    titles = ["وزارة الصحة تختتم حملة التطعيم الوطنية"] * 2 + [
        f"انطلاق حملة تطعيم جديدة في {city}" for city in CITIES
    ]
    return [
        Article(
            id=f"n{i}",
            title=title,
            path="2015-07-21.zip",
            text=TEXT.format(n=100 + i * 37)
            + f"\nوأضاف المتحدث أن عدد المراكز بلغ {20 + i} مركزا.",
        )
        for i, title in enumerate(titles)
    ]


def test_questions_of_every_kind_hide_their_number_or_date() -> None:
    index = build(corpus())
    questions = news.make_questions(index, per_kind=5)
    assert {q.kind for q in questions} == set(news.KINDS)
    sentence_of = {int(index.sent_key[s]): index.sentence_text(s) for s in range(index.n_sentences)}
    for q in questions:
        if q.kind == "number":
            source = sentence_of[q.sentence_key]
            number = re.search(r"\d{2,}", source)
            assert q.text.startswith("كم") and number and number.group() not in q.text
        if q.kind == "date":
            assert q.text.startswith("متى") and "مارس" not in q.text
        if q.kind == "headline":
            assert q.sentence_key is None


def test_a_story_holds_every_article_with_the_same_headline() -> None:
    index = build(corpus())
    questions = news.make_questions(index, per_kind=5)
    first_story = [q.story for q in questions if 0 in q.story or 1 in q.story]
    assert first_story and all(story == frozenset({0, 1}) for story in first_story)
