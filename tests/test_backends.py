"""The backend interface: the ranking over the embedded backend equals `Ranker`'s."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import evaluate
from retrieval.backends import BackendRetriever, EmbeddedBackend
from retrieval.index import CorpusIndex, build
from retrieval.ranking import RankingParams
from retrieval.search import Retriever
from tests.conftest import CORPUS_DIR

HAND_RANKING = RankingParams(rerank_depth=0)
MINI_SQUAD = Path(__file__).parent / "fixtures" / "mini_squad_ar.json"
SEED_QUESTIONS = [
    "كم عدد عمليات التخريب ضد علي بابا؟",
    "من هو مؤسس علي بابا؟",
    "ماذا قال جاك ما عن الأمن الرقمي؟",
    "الرئيس الصيني",
    "ما هو الإنترنت الآمن؟",
]


def coverage_banded(index: CorpusIndex) -> Retriever:
    """Return the Retriever that ranks and bands as `BackendRetriever` does: the hand ranking
    (no learned reranker) and the coverage as confidence (no confidence model), so that the
    backends are compared on the same ranking and band."""
    return Retriever(index, confidence_model=None, ranking_params=HAND_RANKING)


@pytest.fixture(scope="module")
def seed() -> Retriever:
    return coverage_banded(Retriever.open(CORPUS_DIR).index)


@pytest.mark.parametrize("question", SEED_QUESTIONS)
def test_ranking_over_the_embedded_backend_gives_the_retrievers_hits(
    seed: Retriever, question: str
) -> None:
    expected = seed.search(question, top_k=3)
    through = BackendRetriever(EmbeddedBackend(seed.index)).search(question, top_k=3)
    assert [h.text for h in through] == [h.text for h in expected]
    assert [h.score for h in through] == pytest.approx([h.score for h in expected])
    assert [(h.context_before, h.context_after) for h in through] == [
        (h.context_before, h.context_after) for h in expected
    ]
    assert [h.highlights for h in through] == [h.highlights for h in expected]
    assert [h.answer_spans for h in through] == [h.answer_spans for h in expected]


def test_every_mini_squad_question_gets_the_same_top_sentence_through_the_interface() -> None:
    dataset = evaluate.load_squad(MINI_SQUAD)
    retriever = coverage_banded(build(dataset.articles))
    backend = BackendRetriever(EmbeddedBackend(retriever.index))
    for question in dataset.questions:
        direct = [h.text for h in retriever.search(question.text, top_k=1)]
        assert [h.text for h in backend.search(question.text, top_k=1)] == direct


def test_paging_through_the_interface_never_repeats_a_sentence(seed: Retriever) -> None:
    backend = BackendRetriever(EmbeddedBackend(seed.index))
    first = backend.search("الرئيس الصيني", top_k=2)
    second = backend.search("الرئيس الصيني", top_k=2, offset=2)
    assert len(first) == len(second) == 2
    assert not {h.text for h in first} & {h.text for h in second}


def test_a_question_of_unknown_words_gets_no_hits_through_the_interface(seed: Retriever) -> None:
    backend = BackendRetriever(EmbeddedBackend(seed.index))
    assert backend.search("زرافة بطريق كنغر") == []
