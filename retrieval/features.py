"""The reranker's features: what is known about each of the best hand-ranked sentences.

One row per candidate sentence, computed with numpy over the whole candidate set at once
(a question reranks ~50 sentences, and a search must stay within a few milliseconds). The
column order is `NAMES`; a model file names its features, and `rerank.py` refuses a model
whose names differ, so a change here needs a retrained model.
"""

from __future__ import annotations

import re

import numpy as np

from retrieval.index import CorpusIndex
from retrieval.normalize import normalize
from retrieval.ranking import AnswerType, Candidates, Query, has_answer_type

NAMES = (
    "hand_score",  # the hand-weighted score, divided by the best one
    "hand_rank",  # place in the hand-weighted ranking
    "sentence_bm25",  # each evidence scaled by its best value for the question
    "paragraph_bm25",
    "article_bm25",
    "specificity",
    "coverage",  # idf-weighted share of the question's terms the sentence holds
    "matched_terms",  # distinct question terms the sentence holds
    "restates",  # share of the sentence's words that are question words
    "title_overlap",  # idf-weighted share of the question's terms in the article's title
    "length",  # the sentence's terms
    "position",  # the sentence's place in its article
    "paragraph_start",  # whether it opens its paragraph
    "asks",  # 0 other, 1 number, 2 date, 3 person
    "answer_cue",  # the sentence holds what the question asks for (number, date, person)
    "query_terms",  # distinct known question terms
)

# A title or kinship word before a name: what «من» (who) questions are answered with.
_PERSON = re.compile(
    r"(?<!\w)[وب]?(?:ال)?(?:امير|ملك|شيخ|دكتور|مهندس|استاذ|سيد|رئيس|وزير|لواء|عميد|"
    r"مدير|امين|محافظ|سفير|نائب|معالي|سمو|فضيله|بن|ابن|بنت|ابو|د)(?!\w)"
)
def _asks(query: Query) -> int:
    """Return the answer type as a number (0 other, 1 number, 2 date, 3 person)."""
    if query.answer_type is AnswerType.NUMBER:
        return 1
    if query.answer_type is AnswerType.DATE:
        return 2
    return 3 if query.asks_person else 0


def _idf(index: CorpusIndex, term_ids: np.ndarray) -> np.ndarray:
    """Return Lucene's always-positive idf over sentences of `term_ids`."""
    indptr = index.sentences.weights.indptr
    df = (indptr[term_ids + 1] - indptr[term_ids]).astype(np.float64)
    return np.log1p((index.n_sentences - df + 0.5) / (df + 0.5))


def _holds(
    ptr: np.ndarray, tokens: np.ndarray, rows: np.ndarray, terms: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (row × term presence, matching tokens per row, tokens per row) for the token
    lists `tokens[ptr[r]:ptr[r + 1]]` of `rows` and the distinct `terms`."""
    starts, lengths = ptr[rows], ptr[rows + 1] - ptr[rows]
    owner = np.repeat(np.arange(len(rows)), lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    flat = tokens[np.repeat(starts, lengths) + offsets]
    hit_token, hit_term = np.nonzero(flat[:, None] == terms[None, :])
    present = np.zeros((len(rows), len(terms)), dtype=bool)
    present[owner[hit_token], hit_term] = True
    matching = np.bincount(owner[hit_token], minlength=len(rows))
    return present, matching, lengths


def _cues(index: CorpusIndex, query: Query, docs: np.ndarray) -> np.ndarray:
    """Return whether each sentence holds the kind of text the question asks for."""
    cue = np.zeros(len(docs))
    if query.answer_type is not AnswerType.OTHER:
        for i, doc in enumerate(docs.tolist()):
            cue[i] = has_answer_type(index.sentence_text(doc), query.answer_type, query.tokens)
    elif query.asks_person:
        for i, doc in enumerate(docs.tolist()):
            cue[i] = _PERSON.search(normalize(index.sentence_text(doc))) is not None
    return cue


def matrix(
    index: CorpusIndex, query: Query, found: Candidates, depth: int, article_start: np.ndarray
) -> np.ndarray:
    """Return the feature rows (float32, columns `NAMES`) of the best `depth` candidates."""
    n = min(depth, len(found.docs))
    docs = found.docs[:n]
    terms = np.asarray(list(dict.fromkeys(query.term_ids)), dtype=np.int64)
    idf = _idf(index, terms)
    present, matching, lengths = _holds(index.sent_token_ptr, index.token_terms, docs, terms)
    articles = index.sent_article[docs]
    in_title, _, _ = _holds(index.title_token_ptr, index.title_terms, articles, terms)
    total_idf = float(idf.sum()) or 1.0
    previous = np.maximum(docs - 1, 0)
    opens = (docs == 0) | (index.sent_paragraph[previous] != index.sent_paragraph[docs])
    best = float(found.score[0]) or 1.0
    columns = (
        found.score[:n] / best,
        np.arange(n),
        found.sentence[:n],
        found.paragraph[:n],
        found.article[:n],
        found.specificity[:n],
        present @ idf / total_idf,
        present.sum(axis=1),
        matching / np.maximum(lengths, 1),
        in_title @ idf / total_idf,
        lengths,
        docs - article_start[articles],
        opens,
        np.full(n, _asks(query)),
        _cues(index, query, docs),
        np.full(n, len(terms)),
    )
    return np.column_stack(columns).astype(np.float32)
