"""The news check's question maker: reader-style questions never hold their own answer."""

from __future__ import annotations

import re

from retrieval import newsqa as news
from retrieval.corpus import Article
from retrieval.index import build

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


def test_check_questions_come_only_from_stories_wholly_on_days_not_trained_on() -> None:
    days = [f"2015-07-{d}.zip" for d in range(10, 22)]  # twelve day archives
    articles = [
        Article(
            id=f"{day}-{i}",
            title=f"انطلاق حملة تطعيم جديدة في {city} {d}",
            path=day,
            text=TEXT.format(n=100 + i * 37 + d * 1000),
        )
        for d, day in enumerate(days)
        for i, city in enumerate(CITIES[:2])
    ]
    spanning = "وزارة الصحة تختتم حملة التطعيم الوطنية"  # one story on a training and a later day
    articles += [
        Article(id=f"s{d}", title=spanning, path=days[d], text=TEXT.format(n=555)) for d in (0, 11)
    ]
    index = build(articles)
    train_days = news.training_days(index.articles)
    questions = news.check_questions(index, 3)
    assert questions
    for q in questions:
        assert all(news.day_of(index.articles[a]) not in train_days for a in q.story)
        assert all(index.articles[a].title != spanning for a in q.story)
