"""The backend interface: one ranking over the corpus a backend hands back.

The embedded backend hands back its whole index; `CutBackend` cuts a candidate corpus out of
it as a cluster does (retrieval/backends/candidates.py). Both must give the same answers:
the candidate corpus carries the whole corpus's figures, so its BM25, idfs, reranker
features and confidence are the whole index's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from retrieval import confidence, rerank
from retrieval.backends import EmbeddedBackend
from retrieval.backends.cut import CutBackend
from retrieval.corpus import Article
from retrieval.followup import PreviousTurn
from retrieval.index import CorpusIndex, build
from retrieval.search import Hit, Retriever, SearchResult
from tests.conftest import CORPUS_DIR, saudinewsnet_sample

SEED_QUESTIONS = [
    "كم عدد عمليات التخريب ضد علي بابا؟",
    "من هو مؤسس علي بابا؟",
    "ماذا قال جاك ما عن الأمن الرقمي؟",
    "الرئيس الصيني",
    "ما هو الإنترنت الآمن؟",
]
OUT_OF_CORPUS = "ما هي عاصمة دولة الزرافات البنفسجية؟"


def answer(result: SearchResult) -> list[tuple[object, ...]]:
    """Return what a reply shows of each hit, and the band (not `Hit.sentence`, whose
    number is an id in a whole index and a number within the article in a cut)."""
    return [
        (
            h.text,
            round(h.score, 9),
            round(h.confidence, 9),
            h.article.id,
            h.context_before,
            h.context_after,
            h.highlights,
            h.answer_spans,
            h.follow_up_of,
            tuple(c.article.id for c in h.also),
        )
        for h in result.hits
    ] + [(result.band,)]


def number_in_article(index: CorpusIndex, hit: Hit) -> int:
    """Return the number within its article of the whole index's sentence `hit.sentence`."""
    article = index.sent_article[hit.sentence]
    return hit.sentence - int(np.searchsorted(index.sent_article, article))


@pytest.fixture(scope="module")
def seed() -> Retriever:
    return Retriever.open(CORPUS_DIR)


@pytest.fixture(scope="module")
def news() -> Retriever:
    """Real news, with near-copies: enough articles for the learned reranker."""
    return Retriever(build(saudinewsnet_sample(400)))


@pytest.mark.parametrize("question", [*SEED_QUESTIONS, OUT_OF_CORPUS, "زرافة بطريق كنغر"])
def test_a_cut_candidate_corpus_gives_the_seed_answers_of_the_whole_index(
    seed: Retriever, question: str
) -> None:
    cut = Retriever(CutBackend(seed.index))
    expected, found = seed.respond(question), cut.respond(question)
    assert answer(found) == answer(expected)
    for a, b in zip(found.hits, expected.hits, strict=True):
        assert a.sentence == number_in_article(seed.index, b)


def test_news_questions_get_the_same_answers_from_a_cut_as_from_the_whole_index(
    news: Retriever,
) -> None:
    assert news.ranker.reranker is not None and news.scorer is not None
    cut = Retriever(CutBackend(news.index))
    titles = [a.title for a in news.index.articles[::8] if a.title]
    assert len(titles) >= 40
    for question in titles:
        assert answer(cut.respond(question)) == answer(news.respond(question)), question


def test_near_copies_are_collapsed_with_their_papers_in_also_over_a_cut(news: Retriever) -> None:
    cut = Retriever(CutBackend(news.index))
    titles = [a.title for a in news.index.articles if a.title]
    copied = [q for q in titles if any(h.also for h in news.search(q))]
    assert copied, "the sample holds no near-copy to check"
    for question in copied[:5]:
        expected, found = news.search(question), cut.search(question)
        assert [[c.article.id for c in h.also] for h in found] == [
            [c.article.id for c in h.also] for h in expected
        ]
        assert any(h.also for h in found)


def test_a_follow_up_is_carried_over_a_cut_as_over_the_whole_index(seed: Retriever) -> None:
    first = seed.search("من هو مؤسس علي بابا؟", top_k=1)[0]
    previous = PreviousTurn("من هو مؤسس علي بابا؟", first.article.id)
    follow_up = "ومتى حدث ذلك؟"
    expected = seed.respond(follow_up, follow_up=previous)
    found = Retriever(CutBackend(seed.index)).respond(follow_up, follow_up=previous)
    assert expected.hits and expected.hits[0].follow_up_of == previous.question
    assert answer(found) == answer(expected)


def test_an_out_of_corpus_question_is_in_the_none_band_over_a_cut(news: Retriever) -> None:
    question = "متى ولد الموسيقار بيتهوفن؟"
    assert news.respond(question).band is confidence.Band.NONE
    cut = Retriever(CutBackend(news.index))
    assert cut.respond(question).band is confidence.Band.NONE
    assert cut.search(question) == []


def test_the_reranker_looks_at_the_whole_corpus_size_not_the_cut(news: Retriever) -> None:
    corpus = CutBackend(news.index, candidate_sentences=3).candidate_corpus(["الرياض"])
    assert len(corpus.articles) < rerank.MIN_ARTICLES <= corpus.total_articles
    assert rerank.load(corpus) is not None


def test_the_embedded_path_goes_through_the_backend_interface(
    seed: Retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[list[str]] = []
    whole = EmbeddedBackend.candidate_corpus

    def spy(
        self: EmbeddedBackend,
        terms: Sequence[str],
        articles: Sequence[str] = (),
        *,
        carried: Sequence[str] = (),
    ) -> CorpusIndex:
        asked.append(list(terms))
        return whole(self, terms, articles, carried=carried)

    monkeypatch.setattr(EmbeddedBackend, "candidate_corpus", spy)
    retriever = Retriever(seed.index)
    assert isinstance(retriever.backend, EmbeddedBackend)
    hits = retriever.search("من هو مؤسس علي بابا؟")
    assert hits and asked and "بابا" in asked[0]


def test_a_backend_without_the_index_in_memory_has_no_index_attribute() -> None:
    index = build([Article(id="a", title="ت", text="جملة أولى هنا.", path="a.txt")])
    with pytest.raises(LookupError):
        _ = Retriever(CutBackend(index)).index


def test_paging_over_a_cut_never_repeats_a_sentence(seed: Retriever) -> None:
    cut = Retriever(CutBackend(seed.index))
    first = cut.search("الرئيس الصيني", top_k=2)
    second = cut.search("الرئيس الصيني", top_k=2, offset=2)
    assert len(first) == len(second) == 2
    assert not {h.text for h in first} & {h.text for h in second}
