"""benchmarks/confidence_data.py: the unanswerable variants are what they claim to be."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np

from retrieval import ranking
from retrieval.corpus import Article
from retrieval.index import build
from tests.benchmark_module import load

data = load("confidence_data")

CITIES = "الرياض جدة الدمام مكة المدينة تبوك أبها حائل جازان نجران".split()


def articles() -> list[Article]:
    return [
        Article(
            id=f"n{i}",
            title=f"افتتاح مستشفى جديد في {city}",
            path="2015-07-21.zip",
            text=f"افتتحت وزارة الصحة مستشفى جديدا في {city} يضم {100 + i} سرير.\n"
            f"وقال المدير إن المستشفى في {city} يخدم سكان المنطقة.",
        )
        for i, city in enumerate(CITIES)
    ]


def test_ranking_over_an_excluding_matrix_never_returns_the_removed_article() -> None:
    index = build(articles())
    query = ranking.analyze(index, "كم سريرا في مستشفى جدة الجديد؟")
    docs, _ = ranking.Ranker(index, ranking.RankingParams()).rank(query)
    removed = int(index.sent_article[docs[0]])
    excluded = np.flatnonzero(index.sent_article == removed)
    without = replace(index, sentences=data.ExcludingMatrix(index.sentences, excluded))
    rest, _ = ranking.Ranker(without, ranking.RankingParams()).rank(query)
    assert len(rest) and not np.isin(rest, excluded).any()
    assert set(rest.tolist()) == set(docs.tolist()) - set(excluded.tolist())


def test_inserted_paraphrase_words_keep_the_question_in_order() -> None:
    question = "كم سريرا في مستشفى جدة؟"
    noisy = data.add_paraphrase_words(question, ["عنوان آخر تماما"], random.Random(3))
    words = noisy.rstrip("؟").split()
    original = question.rstrip("؟").split()
    assert 1 <= len(words) - len(original) <= 3
    assert [w for w in words if w in original] == original and noisy.endswith("؟")


def test_swapping_replaces_the_rarest_word_with_one_as_rare() -> None:
    index = build(articles())
    titles = [a.title for a in index.articles]
    swapped = data.swap_rarest("كم سريرا في مستشفى جدة؟", index, titles, random.Random(1))
    assert "جدة" not in swapped and "مستشفى" in swapped
    new = set(swapped.rstrip("؟").split()) - {"كم", "سريرا", "في", "مستشفى"}
    assert len(new) == 1 and new.pop() in CITIES
