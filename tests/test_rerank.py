"""The learned reranker: deterministic training, the same answers after a save and load, and
the hand-weighted ranking (with one warning) when the model is missing or unusable."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from retrieval import features, newsqa, ranking, rerank, train, trees
from retrieval.corpus import Article
from retrieval.index import CorpusIndex, build
from retrieval.search import Retriever

TEXT = (
    "أعلنت وزارة الصحة أن حملة التطعيم شملت {n} ألف طفل في المناطق الشمالية والجنوبية.\n"
    "وانطلقت الحملة الوطنية للتطعيم في شهر مارس الماضي بمشاركة فرق طبية من {city}.\n"
    "وقال الدكتور سالم المتحدث باسم الوزارة إن الفرق الطبية زارت المدارس والمنازل في {city}."
)
CITIES = "الرياض جدة الدمام مكة المدينة تبوك أبها حائل جازان نجران".split()
QUESTIONS = [
    "كم طفلا شملت حملة التطعيم؟",
    "متى انطلقت الحملة الوطنية للتطعيم في جدة؟",
    "من المتحدث باسم وزارة الصحة؟",
    "ما الذي زارته الفرق الطبية في تبوك؟",
]


def news() -> list[Article]:
    """Return a small news corpus from one day archive (the training split)."""
    return [
        Article(
            id=f"n{i}",
            title=f"انطلاق حملة تطعيم جديدة في {city}",
            path="2015-07-21.zip",
            text=TEXT.format(n=100 + i * 37, city=city)
            + f"\nوأضاف المتحدث أن عدد المراكز في {city} بلغ {20 + i} مركزا.",
        )
        for i, city in enumerate(CITIES)
    ]


@pytest.fixture(scope="module")
def index() -> CorpusIndex:
    return build(news())


@pytest.fixture(scope="module")
def model(index: CorpusIndex, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "reranker.txt"
    train.train(index, per_kind=15, out=path, rounds=20)
    return path


def answers(retriever: Retriever) -> list[list[tuple[int, float]]]:
    return [[(h.sentence, h.score) for h in retriever.search(q, top_k=5)] for q in QUESTIONS]


def with_model(index: CorpusIndex, path: Path) -> Retriever:
    retriever = Retriever(index)
    retriever.ranker.reranker = rerank.load(index, path)
    return retriever


def test_training_twice_writes_the_same_model(index: CorpusIndex, model: Path, tmp_path: Path):
    again = tmp_path / "again.txt"
    train.train(index, per_kind=15, out=again, rounds=20)
    assert again.read_text(encoding="utf-8") == model.read_text(encoding="utf-8")


def test_a_saved_and_loaded_model_answers_like_the_trained_one(
    index: CorpusIndex, model: Path, tmp_path: Path
):
    lightgbm = pytest.importorskip("lightgbm")
    copy = tmp_path / "copy.txt"
    copy.write_text(lightgbm.Booster(model_file=str(model)).model_to_string(), encoding="utf-8")
    retriever = with_model(index, model)
    assert retriever.ranker.reranker is not None
    assert answers(with_model(index, copy)) == answers(retriever)


def test_numpy_evaluates_the_model_as_lightgbm_does(index: CorpusIndex, model: Path):
    lightgbm = pytest.importorskip("lightgbm")
    for path in (model, rerank.MODEL_PATH):
        text = path.read_text(encoding="utf-8")
        rng = np.random.default_rng(5)
        rows = rng.random((300, len(features.NAMES))) * rng.integers(0, 4, (300, 1))
        rows[::7] = 0.0  # exact zeros take LightGBM's missing-value path when it has one
        rows = rows.astype(np.float32)
        expected = lightgbm.Booster(model_str=text).predict(rows)
        np.testing.assert_allclose(trees.read(text).predict(rows), expected, rtol=0, atol=1e-9)


def test_the_reranker_reorders_the_hand_ranking(index: CorpusIndex, model: Path):
    hand = Retriever(index, ranking_params=ranking.RankingParams(rerank_depth=0))
    learned = with_model(index, model)
    # The ranked sentences before search shows one per story: the templated articles here
    # are near-copies of each other (retrieval/copies.py).
    ranked = [
        [r.ranker.rank(ranking.analyze(index, q))[0][:5].tolist() for q in QUESTIONS]
        for r in (learned, hand)
    ]
    assert ranked[0] != ranked[1]


@pytest.mark.parametrize(
    "content",
    [None, b"not a model\n", b"tree\nfeature_names=a b\n\nTree=0\nnum_leaves=x\n", b"\xff\xfe"],
)
def test_a_missing_or_corrupt_model_warns_once_and_ranks_by_hand(
    index: CorpusIndex, tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes | None
):
    path = tmp_path / "reranker.txt"
    if content is not None:
        path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="retrieval.rerank"):
        assert rerank.load(index, path) is None
    warnings = [r for r in caplog.records if r.name == "retrieval.rerank"]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage()
    hand = Retriever(index, ranking_params=ranking.RankingParams(rerank_depth=0))
    assert answers(with_model(index, path)) == answers(hand)


def test_a_model_for_other_features_is_refused(
    index: CorpusIndex, model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    other = tmp_path / "other.txt"
    other.write_text(model.read_text(encoding="utf-8").replace("window_coverage", "x"), "utf-8")
    with caplog.at_level(logging.WARNING, logger="retrieval.rerank"):
        assert rerank.load(index, other) is None
    assert "other features" in caplog.text


def test_the_shipped_model_is_readable_and_uses_these_features(index: CorpusIndex):
    reranker = rerank.load(index)
    assert reranker is not None
    assert reranker.forest.feature_names == features.NAMES


def test_features_are_one_row_per_candidate_and_finite(index: CorpusIndex):
    ranker = ranking.Ranker(index, ranking.RankingParams())
    for question in QUESTIONS:
        query = ranking.analyze(index, question)
        found = ranker.hand_rank(query)
        rows = features.matrix(index, query, found, 50, features.IndexFacts.of(index))
        assert rows.shape == (min(50, len(found.docs)), len(features.NAMES))
        assert np.isfinite(rows).all()


def test_who_questions_ask_for_a_person_and_from_is_not_who():
    assert ranking.analyze(build(news()), "من هو المتحدث باسم الوزارة؟").asks_person
    assert not ranking.analyze(build(news()), "ما الذي وصل من الرياض؟").asks_person


def test_bad_input_never_raises_with_the_reranker(index: CorpusIndex):
    retriever = Retriever(index, ranking_params=replace(ranking.RankingParams(), rerank_depth=50))
    for question in ["", "؟", "من", "x" * 5000, "\x00\u200f", "كم " * 300, "الرياض"]:
        retriever.search(question, top_k=3)


def test_training_questions_come_only_from_the_training_days() -> None:
    days = [f"2015-07-{d}.zip" for d in range(10, 22)]  # twelve day archives
    articles = [
        Article(
            id=f"{day}-{i}",
            title=f"حملة تطعيم في {city}",
            path=day,
            text=TEXT.format(n=100 + i * 37 + d * 1000, city=f"{city} {d}"),
        )
        for d, day in enumerate(days)
        for i, city in enumerate(CITIES[:2])
    ]
    index = build(articles)
    train_days = newsqa.training_days(index.articles)
    assert train_days == frozenset(days[: newsqa.TRAIN_DAY_FILES])
    questions = newsqa.make_questions(
        index, 10, kinds=train.TRAIN_KINDS, keep=lambda a: newsqa.day_of(a) in train_days
    )
    assert questions
    for q in questions:
        (source,) = np.flatnonzero(index.sent_key == q.sentence_key)
        assert newsqa.day_of(index.articles[int(index.sent_article[source])]) in train_days


class _Recorder:
    """A reranker that keeps the hand order and records the hand-score weight it was given."""

    def __init__(self) -> None:
        self.weights: list[float] = []

    def rerank(
        self,
        index: CorpusIndex,
        query: ranking.Query,
        found: ranking.Candidates,
        params: ranking.RankingParams,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self.weights.append(params.rerank_hand_weight)
        n = min(params.rerank_depth, len(found.docs))
        return found.docs, found.score, np.zeros(n)


def test_a_carried_follow_up_search_gives_the_hand_score_its_follow_up_weight(
    index: CorpusIndex,
) -> None:
    params = ranking.RankingParams(rerank_hand_weight=4.0, follow_up_hand_weight=8.0)
    recorder = _Recorder()
    ranker = ranking.Ranker(index, params, recorder)
    alone = ranking.analyze(index, "متى انطلقت الحملة الوطنية للتطعيم؟")
    carried = replace(
        alone,
        term_ids=alone.term_ids + alone.term_ids[:1],
        terms=alone.terms + alone.terms[:1],
        weights=(1.0,) * len(alone.term_ids) + (0.3,),
    )
    ranker.ranked(alone)
    ranker.ranked(carried)
    assert recorder.weights == [4.0, 8.0]
