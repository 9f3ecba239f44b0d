"""Build the BM25 index of a corpus: sentence passages, their terms and BM25 weights.

rank-bm25's `BM25Okapi` defines the scoring model (idf with the epsilon floor, k1, b). Its
`get_scores` walks every document in Python for every query term; here the same per-term
weights are precomputed into a scipy.sparse matrix with one row per term, so a question only
reads the rows (postings) of its own terms. Tests keep both equal.

Building has two steps so that an update re-analyzes only the files that changed:
`analyze` (articles → sentences and term ids, slow pure Python, done per file) and
`compile_index` (one `Analysis` of the whole corpus → vocabulary and BM25 matrices, vectorized).
`compile_index` numbers the vocabulary in sorted term order, so the index of a corpus does not
depend on the order in which its parts were analyzed: an update equals a full rebuild.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval import analyzer, dedup, sentences
from retrieval.bm25 import BM25Matrix, BM25Params, bm25_weights, grouped_counts, term_counts
from retrieval.corpus import Article
from retrieval.whole import WholeCorpus


@dataclass(slots=True)
class Analysis:
    """Articles split into sentences and analyzed into term ids: all `compile_index` needs.

    Term ids index `terms`. Sentence i belongs to `articles[sent_article[i]]` (ascending) and
    its tokens are `token_terms[sent_token_ptr[i]:sent_token_ptr[i + 1]]`; article a's title
    tokens are `title_terms[title_token_ptr[a]:title_token_ptr[a + 1]]`. `sent_paragraph`
    numbers the paragraphs within each article densely from 0.
    """

    articles: Sequence[Article]
    terms: list[str]
    sent_article: np.ndarray
    sent_start: np.ndarray
    sent_end: np.ndarray
    sent_paragraph: np.ndarray
    sent_key: np.ndarray
    sent_token_ptr: np.ndarray
    token_terms: np.ndarray
    title_token_ptr: np.ndarray
    title_terms: np.ndarray

    def select(self, start: int, stop: int) -> Analysis:
        """Return the analysis of articles [start, stop) alone, sharing `terms`.

        Exists so that an index update can keep the unchanged files' analysis as it is.
        """
        first, last = np.searchsorted(self.sent_article, [start, stop])
        tok_first, tok_last = self.sent_token_ptr[first], self.sent_token_ptr[last]
        title_first, title_last = self.title_token_ptr[start], self.title_token_ptr[stop]
        return Analysis(
            articles=self.articles[start:stop],
            terms=self.terms,
            sent_article=self.sent_article[first:last] - start,
            sent_start=self.sent_start[first:last],
            sent_end=self.sent_end[first:last],
            sent_paragraph=self.sent_paragraph[first:last],
            sent_key=self.sent_key[first:last],
            sent_token_ptr=self.sent_token_ptr[first : last + 1] - tok_first,
            token_terms=self.token_terms[tok_first:tok_last],
            title_token_ptr=self.title_token_ptr[start : stop + 1] - title_first,
            title_terms=self.title_terms[title_first:title_last],
        )


def _stable_key(text: str) -> int:
    """Return a 63-bit hash of `text` that is the same in every process (unlike hash())."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x7FFF_FFFF_FFFF_FFFF


class _TermIds(dict[str, int]):
    """A vocabulary that numbers each new term on first lookup (map() calls stay in C)."""

    def __missing__(self, term: str) -> int:
        self[term] = number = len(self)
        return number


def analyze(articles: Sequence[Article]) -> Analysis:
    """Return the sentence spans and term ids of `articles` (the slow, per-file step)."""
    vocabulary = _TermIds()
    term_id = vocabulary.__getitem__
    sent_article: list[int] = []
    sent_start: list[int] = []
    sent_end: list[int] = []
    sent_paragraph: list[int] = []
    sent_key: list[int] = []
    sent_token_ptr: list[int] = [0]
    token_terms: list[int] = []
    title_token_ptr: list[int] = [0]
    title_terms: list[int] = []
    for a, article in enumerate(articles):
        paragraph_numbers: dict[int, int] = {}
        for span in sentences.split(article.text):
            text = article.text[span.start : span.end]
            token_terms.extend(map(term_id, analyzer.terms(text)))
            sent_token_ptr.append(len(token_terms))
            sent_article.append(a)
            sent_start.append(span.start)
            sent_end.append(span.end)
            sent_paragraph.append(
                paragraph_numbers.setdefault(span.paragraph, len(paragraph_numbers))
            )
            # Same words in the same order = same sentence, whatever the punctuation.
            sent_key.append(_stable_key(" ".join(analyzer.tokens(text))))
        title_terms.extend(map(term_id, analyzer.terms(article.title)))
        title_token_ptr.append(len(title_terms))
    return Analysis(
        articles=list(articles),
        terms=list(vocabulary),
        sent_article=np.asarray(sent_article, dtype=np.int32),
        sent_start=np.asarray(sent_start, dtype=np.int32),
        sent_end=np.asarray(sent_end, dtype=np.int32),
        sent_paragraph=np.asarray(sent_paragraph, dtype=np.int32),
        sent_key=np.asarray(sent_key, dtype=np.int64),
        sent_token_ptr=np.asarray(sent_token_ptr, dtype=np.int64),
        token_terms=np.asarray(token_terms, dtype=np.int32),
        title_token_ptr=np.asarray(title_token_ptr, dtype=np.int64),
        title_terms=np.asarray(title_terms, dtype=np.int32),
    )


def _joined(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    """Return `arrays` concatenated as `dtype` (an empty array when there are none)."""
    return np.concatenate([np.empty(0, dtype=dtype), *arrays]).astype(dtype, copy=False)


def concat(parts: Sequence[Analysis]) -> Analysis:
    """Return one analysis of the articles of `parts`, in order, over the union of their terms."""
    vocabulary: dict[str, int] = {}
    articles: list[Article] = []
    sent_article, token_terms, title_terms = [], [], []
    sent_token_ptr = [np.zeros(1, dtype=np.int64)]
    title_token_ptr = [np.zeros(1, dtype=np.int64)]
    n_articles = n_tokens = n_title_tokens = 0
    # Slices of one analysis share its terms list. The first list keeps its numbering (no
    # remap: an update mostly consists of slices of the previous index), later ones are
    # renumbered into the union.
    remaps: dict[int, np.ndarray | None] = {}
    for part in parts:
        if id(part.terms) not in remaps:
            if not vocabulary:
                vocabulary = dict(zip(part.terms, range(len(part.terms)), strict=True))
                remaps[id(part.terms)] = None
            else:
                remaps[id(part.terms)] = np.fromiter(
                    (vocabulary.setdefault(t, len(vocabulary)) for t in part.terms),
                    dtype=np.int32,
                    count=len(part.terms),
                )
        remap = remaps[id(part.terms)]
        articles.extend(part.articles)
        sent_article.append(part.sent_article + n_articles)
        token_terms.append(part.token_terms if remap is None else remap[part.token_terms])
        title_terms.append(part.title_terms if remap is None else remap[part.title_terms])
        sent_token_ptr.append(part.sent_token_ptr[1:] + n_tokens)
        title_token_ptr.append(part.title_token_ptr[1:] + n_title_tokens)
        n_articles += len(part.articles)
        n_tokens += len(part.token_terms)
        n_title_tokens += len(part.title_terms)
    return Analysis(
        articles=articles,
        terms=list(vocabulary),
        sent_article=_joined(sent_article, np.int32),
        sent_start=_joined([p.sent_start for p in parts], np.int32),
        sent_end=_joined([p.sent_end for p in parts], np.int32),
        sent_paragraph=_joined([p.sent_paragraph for p in parts], np.int32),
        sent_key=_joined([p.sent_key for p in parts], np.int64),
        sent_token_ptr=_joined(sent_token_ptr, np.int64),
        token_terms=_joined(token_terms, np.int32),
        title_token_ptr=_joined(title_token_ptr, np.int64),
        title_terms=_joined(title_terms, np.int32),
    )


@dataclass(slots=True)
class CorpusIndex:
    """Everything search needs: articles, sentence spans, vocabulary and BM25 matrices.

    Sentence i is `articles[sent_article[i]].text[sent_start[i]:sent_end[i]]`. Three BM25
    views share one vocabulary: sentences (the reply unit), paragraphs and whole articles
    (title included), the latter two giving context evidence to rank sentences. The token
    arrays keep the analysis, so that an update need not re-analyze unchanged articles.
    Every numpy and BM25Matrix field is persisted by name (retrieval/store.py).
    `sent_cluster` and `article_story` name near-duplicate sentences and articles (the same
    news in several papers); they are recomputed from the tokens with the rest.
    `whole` is set on a candidate corpus cut from a bigger one (retrieval/whole.py): its BM25
    weights are the whole corpus's, and the corpus-wide figures are read through
    `total_sentences`, `total_articles`, `sentence_df` and `mean_sentence_length`.
    """

    articles: Sequence[Article]
    vocabulary: dict[str, int]
    sent_article: np.ndarray
    sent_start: np.ndarray
    sent_end: np.ndarray
    sent_paragraph: np.ndarray  # global paragraph id of each sentence
    sent_key: np.ndarray  # hash of the sentence's normalized words, for de-duplication
    sent_cluster: np.ndarray  # near-copies of a sentence share its id (retrieval/dedup.py)
    article_story: np.ndarray  # copies of an article (one story) share its id
    article_published: np.ndarray  # rank by publication date: who printed a copy first
    sent_token_ptr: np.ndarray  # sentence i's term ids: token_terms[ptr[i]:ptr[i + 1]]
    token_terms: np.ndarray
    title_token_ptr: np.ndarray  # article a's title term ids: title_terms[ptr[a]:ptr[a + 1]]
    title_terms: np.ndarray
    sentences: BM25Matrix
    paragraphs: BM25Matrix
    article_docs: BM25Matrix
    params: BM25Params
    whole: WholeCorpus | None = None  # not persisted: only candidate corpora carry it

    @property
    def n_sentences(self) -> int:
        """Return the number of sentence passages."""
        return len(self.sent_start)

    @property
    def total_sentences(self) -> int:
        """Return the number of sentences of the whole corpus (N of the idfs)."""
        return self.whole.sentences.n_docs if self.whole is not None else self.n_sentences

    @property
    def total_articles(self) -> int:
        """Return the number of articles of the whole corpus."""
        return self.whole.articles if self.whole is not None else len(self.articles)

    @property
    def mean_sentence_length(self) -> float:
        """Return the mean sentence length in terms over the whole corpus."""
        if self.whole is not None:
            return self.whole.sentences.avgdl
        lengths = self.sentences.doc_lengths
        return float(lengths.mean()) if len(lengths) else 0.0

    def sentence_df(self, term_ids: np.ndarray) -> np.ndarray:
        """Return how many sentences of the whole corpus hold each of `term_ids`."""
        if self.whole is not None:
            return np.asarray(self.whole.sentences.df[term_ids], dtype=np.int64)
        indptr = self.sentences.weights.indptr
        return np.asarray(indptr[term_ids + 1] - indptr[term_ids], dtype=np.int64)

    def sentence_ref(self, sentence: int) -> int:
        """Return the number that names `sentence` outside this index (`Hit.sentence`): its
        id in a whole corpus, its number within its article in a candidate corpus (whose
        own ids mean nothing outside one question)."""
        if self.whole is None:
            return sentence
        article = self.sent_article[sentence]
        return sentence - int(np.searchsorted(self.sent_article, article))

    def sentence_text(self, i: int) -> str:
        """Return the text of sentence `i`, exactly as it stands in its article."""
        article = self.articles[int(self.sent_article[i])]
        return article.text[int(self.sent_start[i]) : int(self.sent_end[i])]

    def term_ids(self, terms: Iterable[str]) -> list[int]:
        """Return the ids of the `terms` that occur in the corpus (unknown terms dropped)."""
        vocab = self.vocabulary
        return [vocab[t] for t in terms if t in vocab]

    def analysis(self) -> Analysis:
        """Return the analysis this index was compiled from, to update it without re-reading."""
        first_sentence = np.searchsorted(self.sent_article, np.arange(len(self.articles)))
        first_paragraph = np.append(self.sent_paragraph, 0)[first_sentence]
        return Analysis(
            articles=self.articles,
            terms=list(self.vocabulary),
            sent_article=self.sent_article,
            sent_start=self.sent_start,
            sent_end=self.sent_end,
            sent_paragraph=self.sent_paragraph - first_paragraph[self.sent_article],
            sent_key=self.sent_key,
            sent_token_ptr=self.sent_token_ptr,
            token_terms=self.token_terms,
            title_token_ptr=self.title_token_ptr,
            title_terms=self.title_terms,
        )


def compile_index(
    analysis: Analysis, params: BM25Params | None = None, whole: WholeCorpus | None = None
) -> CorpusIndex:
    """Return the index of an analyzed corpus: sorted vocabulary and the three BM25 views.

    Only terms that occur are kept, numbered in sorted order, so the same articles give
    the same arrays however their analysis was pieced together. With `whole` (per-term
    arrays following `analysis.terms`), the articles are a candidate corpus cut from a
    bigger one: every term is kept (a question term the cut lacks still has its idf) and
    the BM25 weights use the whole corpus's figures.
    """
    params = params or BM25Params()
    occurs = np.bincount(analysis.token_terms, minlength=len(analysis.terms)) > 0
    occurs[analysis.title_terms] = True
    if whole is not None:
        occurs[:] = True
    used = np.flatnonzero(occurs)
    used_terms = [analysis.terms[i] for i in used]
    order = sorted(range(len(used_terms)), key=used_terms.__getitem__)
    remap = np.zeros(len(analysis.terms), dtype=np.int32)
    remap[used[order]] = np.arange(len(order), dtype=np.int32)
    vocabulary = {used_terms[i]: n for n, i in enumerate(order)}
    token_terms = remap[analysis.token_terms]
    title_terms = remap[analysis.title_terms]
    if whole is not None:
        whole = whole.reordered(used[order])

    n_terms, n_sents, n_articles = len(vocabulary), len(analysis.sent_start), len(analysis.articles)
    # int32 ids throughout: the per-token arrays are the bulk of the memory compiling
    # streams through (millions of tokens), and scipy keeps int32 indices without copying.
    token_sents = np.repeat(np.arange(n_sents, dtype=np.int32), np.diff(analysis.sent_token_ptr))
    paragraphs_per_article = np.zeros(n_articles, dtype=np.int64)
    np.maximum.at(paragraphs_per_article, analysis.sent_article, analysis.sent_paragraph + 1)
    paragraph_base = np.concatenate([[0], np.cumsum(paragraphs_per_article)])
    sent_paragraph = (analysis.sent_paragraph + paragraph_base[analysis.sent_article]).astype(
        np.int32
    )
    # Sentence counts once; paragraph and article counts are their sums.
    sentence_counts = term_counts(token_terms, token_sents, n_terms, n_sents)
    sentence_lengths = np.diff(analysis.sent_token_ptr).astype(np.float64)
    n_paragraphs = int(paragraph_base[-1])
    title_lengths = np.diff(analysis.title_token_ptr)
    title_articles = np.repeat(np.arange(n_articles, dtype=np.int32), title_lengths)
    article_counts = grouped_counts(
        sentence_counts, analysis.sent_article, n_articles
    ) + term_counts(title_terms, title_articles, n_terms, n_articles)
    article_counts.sort_indices()
    article_lengths = np.bincount(
        analysis.sent_article, weights=sentence_lengths, minlength=n_articles
    ) + title_lengths.astype(np.float64)
    sent_cluster, signature = dedup.sentence_clusters(
        list(vocabulary),
        token_terms,
        analysis.sent_token_ptr,
        analysis.sent_key,
        np.bincount(sentence_counts.indices, minlength=n_sents),
    )
    article_story = dedup.story_ids(
        signature,
        analysis.sent_article,
        [a.id for a in analysis.articles],
        np.bincount(article_counts.indices, minlength=n_articles),
    )
    return CorpusIndex(
        articles=analysis.articles,
        vocabulary=vocabulary,
        sent_article=analysis.sent_article,
        sent_start=analysis.sent_start,
        sent_end=analysis.sent_end,
        sent_paragraph=sent_paragraph,
        sent_key=analysis.sent_key,
        sent_cluster=sent_cluster,
        article_story=article_story,
        article_published=dedup.publication_rank([a.date for a in analysis.articles]),
        sent_token_ptr=analysis.sent_token_ptr,
        token_terms=token_terms,
        title_token_ptr=analysis.title_token_ptr,
        title_terms=title_terms,
        sentences=bm25_weights(
            sentence_counts, sentence_lengths, params, whole.sentences if whole else None
        ),
        paragraphs=bm25_weights(
            grouped_counts(sentence_counts, sent_paragraph, n_paragraphs),
            np.bincount(sent_paragraph, weights=sentence_lengths, minlength=n_paragraphs),
            params,
            whole.paragraphs if whole else None,
        ),
        article_docs=bm25_weights(
            article_counts, article_lengths, params, whole.article_docs if whole else None
        ),
        params=params,
        whole=whole,
    )


def build(articles: list[Article], params: BM25Params | None = None) -> CorpusIndex:
    """Return the index of `articles`: split into sentences, analyze, compile BM25 matrices."""
    return compile_index(analyze(articles), params)
