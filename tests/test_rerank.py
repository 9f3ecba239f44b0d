"""The learned reranker: deterministic training, the same answers after a save and load, and
the hand-weighted ranking (with one warning) when the model is missing or unusable."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from retrieval import features, ranking, rerank, train
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
    import lightgbm

    trained = rerank.LearnedReranker(
        lightgbm.Booster(model_file=str(model)), features.IndexFacts.of(index)
    )
    copy = tmp_path / "copy.txt"
    copy.write_text(trained.booster.model_to_string(), encoding="utf-8")
    retriever = with_model(index, model)
    assert retriever.ranker.reranker is not None
    assert answers(with_model(index, copy)) == answers(retriever)


def test_the_reranker_reorders_the_hand_ranking(index: CorpusIndex, model: Path):
    hand = Retriever(index, ranking_params=ranking.RankingParams(rerank_depth=0))
    learned = with_model(index, model)
    assert answers(learned) != answers(hand)


@pytest.mark.parametrize("content", [None, "not a model\n", "tree\nnum_leaves=x\n"])
def test_a_missing_or_corrupt_model_warns_once_and_ranks_by_hand(
    index: CorpusIndex, tmp_path: Path, caplog: pytest.LogCaptureFixture, content: str | None
):
    path = tmp_path / "reranker.txt"
    if content is not None:
        path.write_text(content, encoding="utf-8")
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
    assert tuple(reranker.booster.feature_name()) == features.NAMES


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
