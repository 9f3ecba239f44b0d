"""The candidate corpus: the articles a backend found for a question, as a `CorpusIndex`.

A backend that does not hold the corpus in memory (a cluster) answers a question with the
articles holding its best candidate sentences, stored as the project's analyzed terms, and
the whole corpus's figures. `candidate_corpus` compiles them with `index.compile_index`, the
whole corpus's figures injected (retrieval/whole.py), so the one ranking of
retrieval/search.py runs over it unchanged and sees the same BM25 weights, idfs and lengths
as over the whole index. Nothing is re-analyzed: the stored terms are used as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.bm25 import BM25Matrix, BM25Params, WholeView
from retrieval.corpus import Article
from retrieval.index import Analysis, CorpusIndex, compile_index
from retrieval.whole import WholeCorpus


@dataclass(frozen=True, slots=True)
class ViewStats:
    """The corpus-wide figures BM25 needs for one view (sentences, paragraphs or articles).

    `idf_floor` is rank-bm25's epsilon × mean idf over the view's vocabulary: the idf given
    to terms in more than half of the documents (whose raw idf is negative).
    """

    n_docs: int
    avgdl: float
    idf_floor: float


def view_stats(matrix: BM25Matrix, epsilon: float) -> ViewStats:
    """Return n_docs, avgdl and rank-bm25's idf floor of one view of a whole index (what a
    cluster's meta document holds, `opensearch.documents.meta_document`)."""
    n_docs = matrix.n_docs
    df = np.diff(matrix.weights.indptr).astype(np.float64)
    df = df[df > 0]
    idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
    floor = epsilon * float(idf.mean()) if len(idf) else 0.0
    avgdl = float(matrix.doc_lengths.sum()) / n_docs if n_docs else 0.0
    return ViewStats(n_docs=n_docs, avgdl=avgdl, idf_floor=floor)


@dataclass(frozen=True, slots=True)
class CorpusFigures:
    """The whole corpus's size and per-view figures (per corpus, not per question)."""

    articles: int
    sentences: ViewStats
    paragraphs: ViewStats
    article_docs: ViewStats


@dataclass(frozen=True, slots=True)
class TermFigures:
    """Per asked term, in the whole corpus: how many sentences, paragraphs and articles hold
    it, and its highest BM25 weight in any sentence. Only terms the corpus knows; the four
    mappings have the same keys."""

    sentence_df: Mapping[str, int]
    paragraph_df: Mapping[str, int]
    article_df: Mapping[str, int]
    sentence_max: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class StoredSentence:
    """A sentence as a backend stores it: its paragraph number within the article, its
    offsets in the article text, its de-duplication key and its analyzed terms."""

    paragraph: int
    start: int
    end: int
    key: int
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article with its title's terms and all its sentences, in order."""

    article: Article
    title_terms: tuple[str, ...]
    sentences: tuple[StoredSentence, ...]


def candidate_corpus(
    articles: Sequence[StoredArticle],
    corpus: CorpusFigures,
    terms: TermFigures,
    params: BM25Params,
) -> CorpusIndex:
    """Return the index of `articles` whose BM25 weights and corpus-wide figures are the
    whole corpus's (`corpus`, and `terms` for the asked terms, which it keeps even where
    none of `articles` holds them)."""
    sentences = [s for a in articles for s in a.sentences]
    tokens = [t for s in sentences for t in s.terms]
    titles = [t for a in articles for t in a.title_terms]
    # Asked terms first, then every other term once (dicts keep insertion order).
    vocabulary = {
        t: i for i, t in enumerate(dict.fromkeys([*terms.sentence_max, *tokens, *titles]))
    }
    token_terms = np.fromiter(map(vocabulary.__getitem__, tokens), np.int32, len(tokens))
    title_terms = np.fromiter(map(vocabulary.__getitem__, titles), np.int32, len(titles))
    counts = [len(a.sentences) for a in articles]
    analysis = Analysis(
        articles=[a.article for a in articles],
        terms=list(vocabulary),
        sent_article=np.repeat(np.arange(len(articles), dtype=np.int32), counts),
        sent_start=np.array([s.start for s in sentences], dtype=np.int32),
        sent_end=np.array([s.end for s in sentences], dtype=np.int32),
        sent_paragraph=np.array([s.paragraph for s in sentences], dtype=np.int32),
        sent_key=np.array([s.key for s in sentences], dtype=np.int64),
        sent_token_ptr=_pointers([len(s.terms) for s in sentences]),
        token_terms=token_terms,
        title_token_ptr=_pointers([len(a.title_terms) for a in articles]),
        title_terms=title_terms,
    )
    return compile_index(analysis, params, _whole(vocabulary, corpus, terms))


def _pointers(lengths: list[int]) -> np.ndarray:
    """Return the offsets of consecutive runs of `lengths` tokens (n + 1 of them)."""
    return np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64)


def _whole(vocabulary: dict[str, int], corpus: CorpusFigures, terms: TermFigures) -> WholeCorpus:
    """Return the whole corpus's figures over `vocabulary` (-1: a term not asked about,
    whose row no ranking reads)."""

    def view(stats: ViewStats, df: Mapping[str, int]) -> WholeView:
        counts = np.full(len(vocabulary), -1, dtype=np.int64)
        for term, n in df.items():
            counts[vocabulary[term]] = n
        return WholeView(stats.n_docs, stats.avgdl, stats.idf_floor, counts)

    sentence_max = np.zeros(len(vocabulary))
    for term, weight in terms.sentence_max.items():
        sentence_max[vocabulary[term]] = weight
    return WholeCorpus(
        articles=corpus.articles,
        sentences=view(corpus.sentences, terms.sentence_df),
        paragraphs=view(corpus.paragraphs, terms.paragraph_df),
        article_docs=view(corpus.article_docs, terms.article_df),
        sentence_max=sentence_max,
    )
