"""retrieval/confidence.py and Retriever.respond: a calibrated confidence, bands, fallback."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from retrieval import confidence, ranking
from retrieval.confidence import Band, Thresholds
from retrieval.corpus import make_article, read_corpus
from retrieval.search import Retriever

CORPUS_DIR = Path(__file__).resolve().parents[1] / "corpus"
FOUNDER = "من هو مؤسس علي بابا؟"
UNANSWERABLE = "متى انتشرت الإنفلونزا الإسبانية؟"


@pytest.fixture(scope="module")
def seed() -> Retriever:
    return Retriever.from_articles(read_corpus(CORPUS_DIR).articles)


def test_bands_follow_the_two_thresholds() -> None:
    thresholds = Thresholds(confident=0.5, uncertain=0.2)
    assert thresholds.band(0.5) is Band.CONFIDENT
    assert thresholds.band(0.49) is Band.UNCERTAIN
    assert thresholds.band(0.2) is Band.UNCERTAIN
    assert thresholds.band(0.19) is Band.NONE


def test_the_shipped_model_loads_and_gives_probabilities() -> None:
    model = confidence.load_model(confidence.MODEL_PATH)
    assert model is not None
    rows = np.random.default_rng(0).uniform(0, 3, size=(50, len(confidence.FEATURES)))
    p = model.probability(rows)
    assert p.shape == (50,) and np.all((p >= 0) & (p <= 1))


def test_a_model_survives_its_json_round_trip() -> None:
    model = confidence.load_model(confidence.MODEL_PATH)
    assert model is not None
    again = confidence.model_from_json(json.loads(json.dumps(model.to_json())))
    rows = np.random.default_rng(1).uniform(0, 3, size=(20, len(confidence.FEATURES)))
    assert np.allclose(model.probability(rows), again.probability(rows))


@pytest.mark.parametrize(
    "content",
    ["", "{not json", '{"format": 1}', '{"format": 99}', "[1, 2]"],
    ids=["empty", "broken", "incomplete", "other-format", "not-an-object"],
)
def test_an_unusable_model_file_is_one_warning_and_none(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / f"model-{abs(hash(content))}.json"
    path.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="retrieval.confidence"):
        assert confidence.load_model(path) is None
    warnings = [r for r in caplog.records if r.name == "retrieval.confidence"]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage()
    assert "falling back to the coverage threshold" in warnings[0].getMessage()


def test_without_a_model_search_falls_back_to_the_coverage_threshold(
    seed: Retriever, tmp_path: Path
) -> None:
    fallback = Retriever(seed.index, confidence_model=tmp_path / "missing.json")
    assert fallback.model is None
    result = fallback.respond(FOUNDER)
    query = ranking.analyze(seed.index, FOUNDER)
    coverage = ranking.confidence(seed.index, query, result.hits[0].sentence)
    assert result.band is Band.CONFIDENT and result.confidence == pytest.approx(coverage)
    assert fallback.search("ما هي عاصمة فرنسا وكم عدد سكانها؟") == []  # coverage < 0.2


def test_a_well_covered_answer_is_confident_and_each_hit_carries_a_confidence(
    seed: Retriever,
) -> None:
    result = seed.respond(FOUNDER, top_k=3)
    assert result.band is Band.CONFIDENT
    assert "جاك ما" in result.hits[0].text
    assert result.hits[0].confidence == pytest.approx(result.confidence)
    assert all(0.0 <= h.confidence <= 1.0 for h in result.hits)
    assert result.hits[0].confidence >= max(h.confidence for h in result.hits[1:])


def test_a_question_the_corpus_cannot_answer_gets_no_hits(seed: Retriever) -> None:
    assert seed.respond(UNANSWERABLE).band is Band.NONE
    assert seed.search(UNANSWERABLE) == []


def test_later_pages_keep_the_band_of_the_best_sentence(seed: Retriever) -> None:
    first = seed.respond("الرئيس الصيني", top_k=2)
    later = seed.respond("الرئيس الصيني", top_k=2, offset=2)
    assert later.band is first.band and later.confidence == pytest.approx(first.confidence)
    assert {h.sentence for h in first.hits}.isdisjoint(h.sentence for h in later.hits)


def test_thresholds_passed_to_respond_override_the_retrievers(seed: Retriever) -> None:
    assert seed.respond(FOUNDER, thresholds=Thresholds(1.01, 0.0)).band is Band.UNCERTAIN
    assert seed.respond(FOUNDER, thresholds=Thresholds(1.01, 1.01)).band is Band.NONE
    # search keeps its old contract: the best sentences, or [] when there is no answer
    assert seed.search(FOUNDER, top_k=1)[0].text == seed.respond(FOUNDER).hits[0].text


def test_features_are_finite_for_every_returned_hit(seed: Retriever) -> None:
    assert seed.scorer is not None
    query = ranking.analyze(seed.index, FOUNDER)
    docs, scores = seed.ranker.rank(query, 10)
    rows = seed.scorer.features(query, docs, scores, [0, 1, 2])
    assert rows.shape == (3, len(confidence.FEATURES)) and np.all(np.isfinite(rows))
    coverage = ranking.confidence(seed.index, query, int(docs[0]))
    assert rows[0, confidence.FEATURES.index("coverage_sentence")] == pytest.approx(coverage)


def test_the_confidence_of_a_sentence_does_not_depend_on_how_many_hits_are_asked(
    seed: Retriever,
) -> None:
    one = seed.respond("الرئيس الصيني", top_k=1)
    ten = seed.respond("الرئيس الصيني", top_k=10)
    assert one.hits[0].confidence == pytest.approx(ten.hits[0].confidence)
    assert one.band is ten.band


def test_a_one_sentence_corpus_is_not_extrapolated_to() -> None:
    # One sentence: every BM25 weight is negative, far outside anything seen in training.
    article = make_article("a", "a.md", {"title": "الشركة"}, "تأسست شركة الفلافل عام 1999 في جدة.")
    result = Retriever.from_articles([article]).respond("متى تأسست شركة الفلافل؟")
    assert result.band is Band.CONFIDENT and result.hits
