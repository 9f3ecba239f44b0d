"""benchmarks/quality_ceiling.py: candidates are labelled by the gold answer, split by half."""

from __future__ import annotations

import numpy as np

from retrieval import evaluate
from retrieval.corpus import Article
from retrieval.index import build
from tests.benchmark_module import load

ceiling = load("quality_ceiling")

CITIES = "الرياض جدة الدمام مكة".split()


def dataset() -> evaluate.Dataset:
    articles = [
        Article(
            id=f"a{i}",
            title=f"مستشفى {city}",
            path=f"a{i}.txt",
            text=f"افتتحت وزارة الصحة مستشفى جديدا في {city}.\n"
            f"ويضم مستشفى {city} الجديد {100 + i} سرير ويخدم سكان المنطقة.",
        )
        for i, city in enumerate(CITIES)
    ]
    questions = [
        evaluate.Question(f"q{i}", f"كم سريرا في مستشفى {city} الجديد؟", i, (f"{100 + i} سرير",))
        for i, city in enumerate(CITIES)
    ]
    return evaluate.Dataset(articles, questions)


def test_candidates_are_labelled_by_the_gold_answer_in_the_questions_own_article() -> None:
    data = dataset()
    index = build(data.articles)
    halves = ceiling.candidate_groups(data, index)
    assert [len(h) for h in halves] == [2, 2]
    for half, groups in enumerate(halves):
        for group in groups:
            question = data.questions[group.question]
            assert question.article % 2 == half
            gold = [int(d) for d, label in zip(group.docs, group.labels, strict=True) if label]
            assert len(gold) == 1
            assert int(index.sent_article[gold[0]]) == question.article
            assert question.answers[0] in index.sentence_text(gold[0])


def test_hit_at_1_reads_the_label_of_the_best_scored_candidate() -> None:
    data = dataset()
    halves = ceiling.candidate_groups(data, build(data.articles))
    groups = halves[0] + halves[1]
    assert ceiling.hit_at_1(groups, lambda g: g.labels.astype(float)) == 1.0
    assert ceiling.hit_at_1(groups, lambda g: -g.labels.astype(float)) == 0.0
    by_weight = ceiling._plus(lambda g: np.zeros(len(g.labels)), 2.0, lambda g: g.labels * 1.0)
    assert ceiling.hit_at_1(groups, by_weight) == 1.0
