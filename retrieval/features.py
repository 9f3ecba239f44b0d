"""The reranker's features: what is known about each of the best hand-ranked sentences.

One row per candidate sentence, computed with numpy over the whole candidate set at once
(a question reranks ~50 sentences, and a search must stay within a few milliseconds). The
column order is `NAMES`; a model file names its features, and `rerank.py` refuses a model
whose names differ, so a change here needs a retrained model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval import analyzer, vector_features, vectors
from retrieval.answer_type import AnswerType
from retrieval.index import CorpusIndex
from retrieval.ranking import Candidates, Query

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
    "coverage_gap",  # the best coverage among the candidates minus this one's
    "window_coverage",  # coverage of the sentence with its paragraph neighbours
    "article_share",  # share of the candidates that come from the same article
    *vector_features.NAMES,  # word-vector evidence (retrieval/vector_features.py)
)

# Words that give a sentence what a question asks for, analyzed like the sentences are.
_NUMBER_WORDS = """واحد اثنان اثنين ثلاث ثلاثة ثلاثين ثلاثون اربع اربعة اربعين خمس خمسة خمسين
ست ستة ستين سبع سبعة سبعين ثمان ثمانية ثمانين تسع تسعة تسعين عشر عشرة عشرين مائة مئة
مئات مائتين الف الفين الاف مليون ملايين مليار مليارات نصف ربع ثلث ضعف"""
_DATE_WORDS = """يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر
كانون شباط اذار نيسان ايار حزيران تموز ايلول تشرين محرم صفر ربيع جمادى رجب شعبان رمضان
شوال القعدة الحجة القرن"""
# A title or kinship word before a name: what «من» (who) questions are answered with.
_PERSON_WORDS = """الامير الملك الشيخ الدكتور المهندس الاستاذ السيد الرئيس الوزير اللواء
العميد المدير الامين المحافظ السفير النائب معالي سمو فضيلة بن ابن بنت ابو"""
_YEAR = re.compile(r"^(?:1\d{3}|20\d{2})$")
NUMBER, DATE, PERSON = 1, 2, 4  # bits of `term_kinds`


def term_kinds(vocabulary: dict[str, int]) -> np.ndarray:
    """Return, per vocabulary term, the bits NUMBER, DATE, PERSON of what it can answer.

    Computed once per index (a pass over the vocabulary), so that the answer-type feature
    reads token ids instead of running patterns over the candidates' text per question.
    """
    words = {
        NUMBER: set(analyzer.terms(_NUMBER_WORDS)),
        DATE: set(analyzer.terms(_DATE_WORDS)),
        PERSON: set(analyzer.terms(_PERSON_WORDS)),
    }
    kinds = np.zeros(len(vocabulary), dtype=np.uint8)
    for term, i in vocabulary.items():
        kind = 0
        if term[:1].isdigit():
            kind |= NUMBER | DATE if _YEAR.match(term) else NUMBER
        for bit, known in words.items():
            if term in known:
                kind |= bit
        kinds[i] = kind
    return kinds


def _asks(query: Query) -> int:
    """Return the answer type as a number (0 other, 1 number, 2 date, 3 person)."""
    if query.answer_type is AnswerType.NUMBER:
        return 1
    if query.answer_type is AnswerType.DATE:
        return 2
    return 3 if query.asks_person else 0


def _idf(index: CorpusIndex, term_ids: np.ndarray) -> np.ndarray:
    """Return Lucene's always-positive idf over sentences of `term_ids`."""
    df = index.sentence_df(term_ids).astype(np.float64)
    idf: np.ndarray = np.log1p((index.total_sentences - df + 0.5) / (df + 0.5))
    return idf


@dataclass(frozen=True, slots=True)
class IndexFacts:
    """What the features need from an index, computed once per index (per Retriever)."""

    article_start: np.ndarray  # first sentence of each article, and the sentence count
    kinds: np.ndarray  # `term_kinds` of the vocabulary
    word_vectors: vector_features.IndexVectors

    @classmethod
    def of(cls, index: CorpusIndex, vectors_path: Path = vectors.VECTORS_PATH) -> IndexFacts:
        """Return the facts of `index`, with the word vectors of the file at `vectors_path`."""
        article_start = np.searchsorted(index.sent_article, np.arange(len(index.articles) + 1))
        term_vectors = vector_features.IndexVectors.of(index, vectors_path)
        return cls(article_start, term_kinds(index.vocabulary), term_vectors)


@dataclass(frozen=True, slots=True)
class _Window:
    """The tokens of each candidate's window (the sentence with its paragraph neighbours),
    concatenated: token ids, the candidate each belongs to, and whether it is in the
    sentence itself."""

    tokens: np.ndarray
    owner: np.ndarray
    own: np.ndarray


def _window(index: CorpusIndex, docs: np.ndarray) -> _Window:
    """Return the window tokens of the candidate sentences `docs` (one gather, no loop)."""
    ptr = index.sent_token_ptr
    first, end = _paragraph_window(index, docs)
    starts, lengths = ptr[first], ptr[end] - ptr[first]
    owner = np.repeat(np.arange(len(docs)), lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    position = np.repeat(starts, lengths) + offsets
    own = (position >= ptr[docs][owner]) & (position < ptr[docs + 1][owner])
    return _Window(index.token_terms[position], owner, own)


def _presence(
    values: np.ndarray, window: _Window, terms: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (row × term presence in the sentence, in its window, matching tokens of the
    sentence) of window token ids `values` against the distinct `terms`."""
    hit_token, hit_term = np.nonzero(values[:, None] == terms[None, :])
    rows = window.owner[hit_token]
    in_window = np.zeros((n, len(terms)), dtype=bool)
    in_window[rows, hit_term] = True
    own = window.own[hit_token]
    present = np.zeros((n, len(terms)), dtype=bool)
    present[rows[own], hit_term[own]] = True
    return present, in_window, np.bincount(rows[own], minlength=n)


def _cues(
    query: Query, terms: np.ndarray, kinds: np.ndarray, window: _Window, n: int
) -> np.ndarray:
    """Return whether each candidate holds a word of the kind the question asks for (a
    number, a date, a title before a name) that the question itself does not hold."""
    bit = {1: NUMBER, 2: DATE, 3: PERSON}.get(_asks(query), 0)
    if not bit:
        return np.zeros(n)
    tokens = window.tokens
    wanted = window.own & ((kinds[tokens] & bit) > 0) & ~np.isin(tokens, terms)
    return np.bincount(window.owner[wanted], minlength=n) > 0


def _title_presence(index: CorpusIndex, articles: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """Return which of `terms` each article's title holds (row × term)."""
    ptr = index.title_token_ptr
    starts, lengths = ptr[articles], ptr[articles + 1] - ptr[articles]
    owner = np.repeat(np.arange(len(articles)), lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    values = index.title_terms[np.repeat(starts, lengths) + offsets]
    hit_token, hit_term = np.nonzero(values[:, None] == terms[None, :])
    present = np.zeros((len(articles), len(terms)), dtype=bool)
    present[owner[hit_token], hit_term] = True
    return present


def _paragraph_window(index: CorpusIndex, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (first, end) sentence ids of each sentence with its paragraph neighbours."""
    last = index.n_sentences - 1
    before = np.maximum(docs - 1, 0)
    after = np.minimum(docs + 1, last)
    paragraph = index.sent_paragraph
    first = np.where(paragraph[before] == paragraph[docs], before, docs)
    end = np.where(paragraph[after] == paragraph[docs], after, docs) + 1
    return first, end


def matrix(
    index: CorpusIndex,
    query: Query,
    found: Candidates,
    depth: int,
    facts: IndexFacts,
) -> np.ndarray:
    """Return the feature rows (float32, columns `NAMES`) of the best `depth` candidates."""
    n = min(depth, len(found.docs))
    docs = found.docs[:n]
    terms = np.asarray(list(dict.fromkeys(query.term_ids)), dtype=np.int64)
    idf = _idf(index, terms)
    idf_share = idf / (float(idf.sum()) or 1.0)
    window = _window(index, docs)
    present, in_window, matching = _presence(window.tokens, window, terms, n)
    articles = index.sent_article[docs]
    in_title = _title_presence(index, articles, terms)
    lengths = index.sent_token_ptr[docs + 1] - index.sent_token_ptr[docs]
    previous = np.maximum(docs - 1, 0)
    opens = (docs == 0) | (index.sent_paragraph[previous] != index.sent_paragraph[docs])
    _, article_of, per_article = np.unique(articles, return_inverse=True, return_counts=True)
    coverage = present @ idf_share
    columns = (
        found.score[:n] / (float(found.score[0]) or 1.0),
        np.arange(n),
        found.sentence[:n],
        found.paragraph[:n],
        found.article[:n],
        found.specificity[:n],
        coverage,
        present.sum(axis=1),
        matching / np.maximum(lengths, 1),
        in_title @ idf_share,
        lengths,
        docs - facts.article_start[articles],
        opens,
        np.full(n, _asks(query)),
        _cues(query, terms, facts.kinds, window, n),
        np.full(n, len(terms)),
        coverage.max() - coverage,
        in_window @ idf_share,
        per_article[article_of] / n,
        *vector_features.columns(facts.word_vectors, index, query.terms, window, n),
    )
    return np.column_stack(columns).astype(np.float32)
