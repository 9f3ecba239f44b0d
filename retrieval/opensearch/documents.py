"""A `CorpusIndex` as cluster documents: ids, fields and the meta document.

Ids are idempotent (article id, article id + "#s" + sentence number, + "#p" + paragraph
number), so sending an article twice overwrites it. Each article document carries a
fingerprint of everything its documents are made of, so a sync sends only what changed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import numpy as np

from retrieval import analyzer
from retrieval.backends.candidates import view_stats
from retrieval.index import CorpusIndex
from retrieval.opensearch import schema


def sentence_id(article_id: str, number: int) -> str:
    """Return the document id of sentence `number` of an article."""
    return f"{article_id}#s{number}"


def paragraph_id(article_id: str, number: int) -> str:
    """Return the document id of paragraph `number` of an article."""
    return f"{article_id}#p{number}"


class CorpusDocuments:
    """The documents of one `CorpusIndex`, article by article."""

    def __init__(self, index: CorpusIndex) -> None:
        self.index = index
        self.terms = list(index.vocabulary)  # ids are positions: the vocabulary is sorted
        self.article_start = np.searchsorted(index.sent_article, np.arange(len(index.articles) + 1))
        self._digest: str | None = None

    def corpus_digest(self) -> str:
        """Return a digest of every article's fingerprint, in order: equal digests mean the
        cluster holds exactly these articles (kept in the meta document)."""
        if self._digest is None:
            digest = hashlib.sha256()
            for a in range(len(self.index.articles)):
                digest.update(self.fingerprint(a).encode("ascii"))
            self._digest = digest.hexdigest()
        return self._digest

    def fingerprint(self, a: int) -> str:
        """Return a digest of article `a`'s fields, the analyzer version and the format."""
        record = asdict(self.index.articles[a])
        record["_versions"] = [analyzer.ANALYZER_VERSION, schema.FORMAT]
        encoded = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()

    def shape(self, a: int) -> tuple[int, int]:
        """Return (sentences, paragraphs) of article `a`."""
        first, last = int(self.article_start[a]), int(self.article_start[a + 1])
        if first == last:
            return 0, 0
        paragraphs = self.index.sent_paragraph[first:last]
        return last - first, int(paragraphs[-1] - paragraphs[0]) + 1

    def article_documents(self, a: int) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield (id, source) of article `a`'s sentences, paragraphs, then the article itself
        (last, so an interrupted sync leaves the old fingerprint and resends the article)."""
        index = self.index
        article = index.articles[a]
        first, last = int(self.article_start[a]), int(self.article_start[a + 1])
        base_paragraph = int(index.sent_paragraph[first]) if first < last else 0
        paragraphs: dict[int, list[str]] = {}
        sentence_df: Counter[str] = Counter()
        for s in range(first, last):
            terms = self._terms(s)
            number = int(index.sent_paragraph[s]) - base_paragraph
            paragraphs.setdefault(number, []).extend(terms)
            sentence_df.update(set(terms))
            yield (
                sentence_id(article.id, s - first),
                {
                    "kind": "sentence",
                    "article_id": article.id,
                    "number": s - first,
                    "paragraph": number,
                    "start": int(index.sent_start[s]),
                    "end": int(index.sent_end[s]),
                    "text": index.sentence_text(s),
                    "key": int(index.sent_key[s]),
                    schema.SENTENCE_FIELD: " ".join(terms),
                },
            )
        for number, terms in paragraphs.items():
            yield (
                paragraph_id(article.id, number),
                {
                    "kind": "paragraph",
                    "article_id": article.id,
                    schema.PARAGRAPH_FIELD: " ".join(terms),
                },
            )
        ptr = index.title_token_ptr
        title_terms = [self.terms[t] for t in index.title_terms[ptr[a] : ptr[a + 1]]]
        all_terms = title_terms + [t for terms in paragraphs.values() for t in terms]
        yield (
            article.id,
            {
                "kind": "article",
                **asdict(article),
                "article_id": article.id,
                "fingerprint": self.fingerprint(a),
                "n_sentences": last - first,
                "n_paragraphs": len(paragraphs),
                # A string, not an object: terms would become (dotted, nested) field names.
                "sentence_df": " ".join(f"{t}:{n}" for t, n in sentence_df.items()),
                schema.ARTICLE_FIELD: " ".join(all_terms),
            },
        )

    def meta_document(self) -> dict[str, Any]:
        """Return the meta document: the format, BM25 parameters and per-view statistics.

        rank-bm25's idf floor is epsilon × the mean idf over a view's whole vocabulary,
        which no query can read from the cluster, so it is computed here at each sync.
        """
        index = self.index
        params = index.params
        return {
            "kind": "meta",
            "format": schema.FORMAT,
            "analyzer": analyzer.ANALYZER_VERSION,
            "k1": params.k1,
            "b": params.b,
            "epsilon": params.epsilon,
            "corpus": self.corpus_digest(),
            "sentences": asdict(view_stats(index.sentences, params.epsilon)),
            "paragraphs": asdict(view_stats(index.paragraphs, params.epsilon)),
            "articles": asdict(view_stats(index.article_docs, params.epsilon)),
        }

    def _terms(self, s: int) -> list[str]:
        ptr = self.index.sent_token_ptr
        return [self.terms[t] for t in self.index.token_terms[ptr[s] : ptr[s + 1]]]
