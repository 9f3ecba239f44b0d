"""The sparse BM25 index scores exactly like rank-bm25's BM25Okapi (the scoring model)."""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval import analyzer
from retrieval.bm25 import BM25Params
from retrieval.corpus import Article, read_corpus
from retrieval.index import build
from tests.conftest import CORPUS_DIR, saudinewsnet_sample


def assert_same_scores_as_rank_bm25(articles: list[Article], questions: list[str]) -> None:
    index = build(articles)
    sentence_tokens = [analyzer.terms(index.sentence_text(i)) for i in range(index.n_sentences)]
    params = BM25Params()
    reference = BM25Okapi(sentence_tokens, k1=params.k1, b=params.b, epsilon=params.epsilon)
    compared = 0
    for question in questions:
        query = analyzer.terms(question)
        expected = reference.get_scores(query)
        got = index.sentences.dense_scores(index.term_ids(query))
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
        compared += int(np.count_nonzero(expected))
    assert compared > 0, "the questions matched nothing: the comparison proved nothing"


def test_scores_equal_rank_bm25_on_the_seed_article() -> None:
    articles = read_corpus(CORPUS_DIR).articles
    assert_same_scores_as_rank_bm25(
        articles,
        [
            "كم عدد عمليات التخريب ضد علي بابا؟",
            "ماذا قال جاك ما عن الأمن الرقمي؟",
            "الرئيس الصيني الرئيس الصيني",  # repeated terms count twice, as in rank-bm25
            "سرقة الشيفرة المصدرية",
        ],
    )


def test_scores_equal_rank_bm25_on_real_news_with_common_terms() -> None:
    articles = read_corpus(CORPUS_DIR).articles + saudinewsnet_sample(400)
    questions = [a.title for a in articles[:60]] + ["المملكة العربية السعودية", "وزارة الصحة"]
    assert_same_scores_as_rank_bm25(articles, questions)


def test_terms_in_more_than_half_the_sentences_get_the_epsilon_floor() -> None:
    text = "\n".join(["قطة تلعب."] * 5 + ["كلب ينام."] * 2 + ["قطة وكلب."])
    article = Article(id="a", title="حيوانات", text=text, path="a.txt")
    index = build([article])
    cat = index.vocabulary[analyzer.terms("قطة")[0]]
    weights = index.sentences.dense_scores([cat])
    assert (weights[weights > 0] < 0.2).all()
    assert_same_scores_as_rank_bm25([article], ["قطة", "كلب", "قطة كلب"])


@pytest.mark.parametrize("question", ["", "؟؟؟", "ما هو", "zzzz"])
def test_questions_without_known_terms_score_nothing(question: str) -> None:
    index = build(read_corpus(CORPUS_DIR).articles)
    assert not index.sentences.scores(index.term_ids(analyzer.terms(question)))[0].size
