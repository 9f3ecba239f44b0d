"""Build the BM25 index of a corpus: sentence passages, their terms and BM25 weights.

rank-bm25's `BM25Okapi` defines the scoring model (idf with the epsilon floor, k1, b). Its
`get_scores` walks every document in Python for every query term; here the same per-term
weights are precomputed into a scipy.sparse matrix with one row per term, so a question only
reads the rows (postings) of its own terms. Tests keep both equal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from retrieval import analyzer, sentences
from retrieval.corpus import Article
from retrieval.normalize import normalize_for_comparison


@dataclass(frozen=True, slots=True)
class BM25Params:
    """BM25Okapi parameters, with rank-bm25's defaults."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


@dataclass(slots=True)
class BM25Matrix:
    """BM25Okapi term weights as a CSR matrix: row = term id, column = document.

    `weights[t, d]` is exactly the contribution of term t to document d in rank-bm25's
    `get_scores`, so a document's score for a query is the sum of its query terms' rows.
    """

    weights: sparse.csr_matrix
    doc_lengths: np.ndarray

    @property
    def n_docs(self) -> int:
        """Return the number of documents (columns)."""
        return int(self.weights.shape[1])

    def scores(self, term_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Return (document ids, scores) for the documents containing any of `term_ids`.

        A term id listed twice counts twice, as in rank-bm25. Only the postings of the given
        terms are read; documents outside them score 0 and are not returned.
        """
        if not term_ids:
            return np.empty(0, dtype=np.int64), np.empty(0)
        indptr, indices, data = self.weights.indptr, self.weights.indices, self.weights.data
        if len(term_ids) == 1:
            t = term_ids[0]
            return indices[indptr[t] : indptr[t + 1]].astype(np.int64), data[
                indptr[t] : indptr[t + 1]
            ].astype(np.float64)
        docs = np.concatenate([indices[indptr[t] : indptr[t + 1]] for t in term_ids])
        vals = np.concatenate([data[indptr[t] : indptr[t + 1]] for t in term_ids])
        unique_docs, inverse = np.unique(docs, return_inverse=True)
        return unique_docs.astype(np.int64), np.bincount(inverse, weights=vals)

    def dense_scores(self, term_ids: Sequence[int]) -> np.ndarray:
        """Return the score of every document for `term_ids` (what rank-bm25 returns)."""
        result = np.zeros(self.n_docs)
        docs, vals = self.scores(term_ids)
        result[docs] = vals
        return result


def bm25_matrix(
    term_ids: np.ndarray,
    doc_ids: np.ndarray,
    n_terms: int,
    n_docs: int,
    params: BM25Params,
) -> BM25Matrix:
    """Return the BM25Okapi weight matrix for token occurrences (term_ids[i] in doc_ids[i]).

    Follows rank-bm25 exactly: idf = ln((N - df + 0.5) / (df + 0.5)), negative idfs replaced
    by epsilon × the mean idf over the vocabulary that occurs, avgdl = tokens / documents.
    """
    doc_lengths = np.bincount(doc_ids, minlength=n_docs).astype(np.float64)
    counts = sparse.coo_matrix(
        (np.ones(len(term_ids), dtype=np.float64), (term_ids, doc_ids)), shape=(n_terms, n_docs)
    ).tocsr()
    counts.sum_duplicates()
    df = np.diff(counts.indptr).astype(np.float64)
    present = df > 0
    idf = np.zeros(n_terms)
    idf[present] = np.log(n_docs - df[present] + 0.5) - np.log(df[present] + 0.5)
    if present.any():
        floor = params.epsilon * float(idf[present].mean())
        idf[present & (idf < 0)] = floor
    avgdl = float(doc_lengths.sum()) / n_docs if n_docs else 1.0
    tf = counts.data
    dl = doc_lengths[counts.indices]
    norm = params.k1 * (1 - params.b + params.b * dl / (avgdl or 1.0))
    row_idf = np.repeat(idf, np.diff(counts.indptr))
    weights = sparse.csr_matrix(
        (row_idf * tf * (params.k1 + 1) / (tf + norm), counts.indices, counts.indptr),
        shape=(n_terms, n_docs),
    )
    return BM25Matrix(weights=weights, doc_lengths=doc_lengths)


@dataclass(slots=True)
class CorpusIndex:
    """Everything search needs: articles, sentence spans, vocabulary and BM25 matrices.

    Sentence i is `articles[sent_article[i]].text[sent_start[i]:sent_end[i]]`. Three BM25
    views share one vocabulary: sentences (the reply unit), paragraphs and whole articles
    (title included), the latter two giving context evidence to rank sentences.
    """

    articles: list[Article]
    vocabulary: dict[str, int]
    sent_article: np.ndarray
    sent_start: np.ndarray
    sent_end: np.ndarray
    sent_paragraph: np.ndarray  # global paragraph id of each sentence
    sent_key: np.ndarray  # hash of the sentence's normalized text, for de-duplication
    sentences: BM25Matrix
    paragraphs: BM25Matrix
    article_docs: BM25Matrix
    params: BM25Params

    @property
    def n_sentences(self) -> int:
        """Return the number of sentence passages."""
        return len(self.sent_start)

    def sentence_text(self, i: int) -> str:
        """Return the text of sentence `i`, exactly as it stands in its article."""
        article = self.articles[int(self.sent_article[i])]
        return article.text[int(self.sent_start[i]) : int(self.sent_end[i])]

    def term_ids(self, terms: Iterable[str]) -> list[int]:
        """Return the ids of the `terms` that occur in the corpus (unknown terms dropped)."""
        vocab = self.vocabulary
        return [vocab[t] for t in terms if t in vocab]


def _stable_key(text: str) -> int:
    """Return a 63-bit hash of `text` that is the same in every process (unlike hash())."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x7FFF_FFFF_FFFF_FFFF


def build(articles: list[Article], params: BM25Params | None = None) -> CorpusIndex:
    """Return the index of `articles`: split into sentences, analyze, compile BM25 matrices."""
    params = params or BM25Params()
    vocabulary: dict[str, int] = {}
    term_of = vocabulary.setdefault
    sent_article: list[int] = []
    sent_start: list[int] = []
    sent_end: list[int] = []
    sent_paragraph: list[int] = []
    sent_key: list[int] = []
    token_terms: list[int] = []
    token_sents: list[int] = []
    title_terms: list[int] = []
    title_articles: list[int] = []
    paragraph_base = 0
    for a, article in enumerate(articles):
        spans = sentences.split(article.text)
        for span in spans:
            s = len(sent_start)
            text = article.text[span.start : span.end]
            ids = [term_of(t, len(vocabulary)) for t in analyzer.terms(text)]
            token_terms.extend(ids)
            token_sents.extend([s] * len(ids))
            sent_article.append(a)
            sent_start.append(span.start)
            sent_end.append(span.end)
            sent_paragraph.append(paragraph_base + span.paragraph)
            sent_key.append(_stable_key(normalize_for_comparison(text)))
        paragraph_base += (spans[-1].paragraph + 1) if spans else 0
        for t in analyzer.terms(article.title):
            title_terms.append(term_of(t, len(vocabulary)))
            title_articles.append(a)

    n_terms = len(vocabulary)
    terms_arr = np.asarray(token_terms, dtype=np.int64)
    sents_arr = np.asarray(token_sents, dtype=np.int64)
    sent_article_arr = np.asarray(sent_article, dtype=np.int32)
    sent_paragraph_arr = np.asarray(sent_paragraph, dtype=np.int32)
    article_of_token = np.concatenate(
        [sent_article_arr[sents_arr], np.asarray(title_articles, dtype=np.int32)]
    ).astype(np.int64)
    article_terms = np.concatenate([terms_arr, np.asarray(title_terms, dtype=np.int64)])
    return CorpusIndex(
        articles=articles,
        vocabulary=vocabulary,
        sent_article=sent_article_arr,
        sent_start=np.asarray(sent_start, dtype=np.int32),
        sent_end=np.asarray(sent_end, dtype=np.int32),
        sent_paragraph=sent_paragraph_arr,
        sent_key=np.asarray(sent_key, dtype=np.int64),
        sentences=bm25_matrix(terms_arr, sents_arr, n_terms, len(sent_start), params),
        paragraphs=bm25_matrix(
            terms_arr,
            sent_paragraph_arr[sents_arr].astype(np.int64),
            n_terms,
            paragraph_base,
            params,
        ),
        article_docs=bm25_matrix(article_terms, article_of_token, n_terms, len(articles), params),
        params=params,
    )
