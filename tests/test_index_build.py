"""Building in parts (per-file analysis, then one compile) gives exactly the full build."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval import analyzer, bm25
from retrieval.corpus import Article, read_corpus
from retrieval.index import CorpusIndex, analyze, build, compile_index, concat
from tests.conftest import CORPUS_DIR, saudinewsnet_sample


def assert_same_index(a: CorpusIndex, b: CorpusIndex) -> None:
    """Assert two indexes are equal field by field (arrays, vocabulary, matrices)."""
    assert [x.id for x in a.articles] == [x.id for x in b.articles]
    assert a.vocabulary == b.vocabulary
    for name in ("sent_article", "sent_start", "sent_end", "sent_paragraph", "sent_key"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in ("sent_token_ptr", "token_terms", "title_token_ptr", "title_terms"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in ("sent_cluster", "article_story", "article_published"):  # retrieval/dedup.py
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for view in ("sentences", "paragraphs", "article_docs"):
        x, y = getattr(a, view), getattr(b, view)
        assert x.weights.shape == y.weights.shape, view
        assert (x.weights != y.weights).nnz == 0, view
        np.testing.assert_array_equal(x.doc_lengths, y.doc_lengths, err_msg=view)


@pytest.fixture(scope="module")
def news() -> list[Article]:
    return read_corpus(CORPUS_DIR).articles + saudinewsnet_sample(150)


def test_concatenated_parts_compile_to_the_full_build(news: list[Article]) -> None:
    parts = [analyze(news[i : i + 40]) for i in range(0, len(news), 40)]
    assert_same_index(compile_index(concat(parts)), build(news))


def test_replacing_articles_through_the_kept_analysis_equals_a_rebuild(
    news: list[Article],
) -> None:
    old = build(news)
    kept = old.analysis()
    changed = [
        Article(id=a.id, title=a.title, text=a.text + "\nخبر جديد عن المطر.", path=a.path)
        for a in news[50:60]
    ]
    updated = compile_index(
        concat([kept.select(0, 50), analyze(changed), kept.select(70, len(news))])
    )
    assert_same_index(updated, build(news[:50] + changed + news[70:]))


def test_recompiling_an_index_from_its_own_analysis_changes_nothing(
    news: list[Article],
) -> None:
    original = build(news)
    assert_same_index(compile_index(original.analysis()), original)


def test_paragraph_ids_are_dense_and_shared_by_sentences_of_one_line() -> None:
    text = "أول جملة. ثانية في السطر نفسه.\n...\nسطر ثالث فيه جملة."
    built = build([Article(id="a", title="عنوان", text=text, path="a.txt")])
    assert built.sent_paragraph.tolist() == [0, 0, 1]
    assert built.paragraphs.n_docs == 2


@pytest.mark.parametrize("ratio", [0, 10**9])
def test_sort_merge_and_dense_scoring_give_the_same_scores(
    news: list[Article], ratio: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build(news)
    questions = [a.title for a in news[:30]] + ["المملكة العربية السعودية وزارة الصحة"]
    expected = [built.sentences.scores(built.term_ids(analyzer.terms(q))) for q in questions]
    monkeypatch.setattr(bm25, "_SORT_MERGE_RATIO", ratio)
    for question, (docs, scores) in zip(questions, expected, strict=True):
        got_docs, got_scores = built.sentences.scores(built.term_ids(analyzer.terms(question)))
        np.testing.assert_array_equal(got_docs, docs)
        np.testing.assert_allclose(got_scores, scores, rtol=1e-12)
    assert any(len(docs) * 8 >= built.n_sentences for docs, _ in expected)
