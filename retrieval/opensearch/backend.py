"""`SearchBackend` over a cluster: per question, the candidate corpus cut from the cluster.

The cluster selects the candidate sentences with its own BM25 (Lucene's idf); the articles
holding them are fetched with their stored terms and compiled into a small `CorpusIndex`
whose BM25 weights and corpus-wide figures are the whole corpus's: the meta document's
per-view statistics (cached per backend: one backend serves one state of the index) and,
per asked term, its document frequency in each view and its highest sentence weight
(cached per term). The ranking above sees the same numbers as from the embedded index;
docs/scaling.md measures what the candidate selection still changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retrieval.backends.base import idf, term_weight
from retrieval.backends.candidates import (
    CorpusFigures,
    StoredArticle,
    StoredSentence,
    TermFigures,
    ViewStats,
    candidate_corpus,
)
from retrieval.bm25 import BM25Params
from retrieval.corpus import Article
from retrieval.index import CorpusIndex
from retrieval.opensearch import schema
from retrieval.opensearch.client import BackendUnavailable, guarded
from retrieval.opensearch.documents import sentence_id

# Sentences the cluster selects per question; the articles holding them are the candidate
# corpus. The ranking gives paragraph and article evidence to its best 300 (`pool`).
CANDIDATE_SENTENCES = 300
# Term figures remembered per backend; cleared when full.
TERM_CACHE_SIZE = 200_000
_ARTICLE_FIELDS = ("id", "title", "text", "path", "source", "url", "date", "category", "author")
_SENTENCE_FIELDS = ["paragraph", "start", "end", "key", schema.SENTENCE_FIELD]
_VIEWS = (
    (schema.SENTENCE_FIELD, "sentences"),
    (schema.PARAGRAPH_FIELD, "paragraphs"),
    (schema.ARTICLE_FIELD, "articles"),
)


class OpenSearchBackend:
    """Reads one corpus from the index behind `alias`; `client` is an opensearchpy client.

    `candidate_sentences` is how many best sentences the cluster selects per question.
    """

    def __init__(
        self, client: Any, alias: str, candidate_sentences: int = CANDIDATE_SENTENCES
    ) -> None:
        self.client = client
        self.alias = alias
        self.candidate_sentences = candidate_sentences
        found = self._call(lambda: client.get(index=alias, id=schema.META_ID, ignore=404))
        if not found.get("found"):
            raise BackendUnavailable(
                f"error: no corpus indexed in OpenSearch index {alias!r}: "
                "run `python -m retrieval index --backend opensearch` first"
            )
        meta = found["_source"]
        self.generation = str(found["_index"])  # the index behind the alias
        self.params = BM25Params(k1=meta["k1"], b=meta["b"], epsilon=meta["epsilon"])
        self.views = {field: ViewStats(**meta[view]) for field, view in _VIEWS}
        self.figures = CorpusFigures(
            articles=self.views[schema.ARTICLE_FIELD].n_docs,
            sentences=self.views[schema.SENTENCE_FIELD],
            paragraphs=self.views[schema.PARAGRAPH_FIELD],
            article_docs=self.views[schema.ARTICLE_FIELD],
        )
        self._df_cache: dict[tuple[str, str], int] = {}
        self._max_cache: dict[str, float] = {}

    @property
    def resident(self) -> None:
        """Return None: the corpus stays in the cluster."""
        return None

    def candidate_corpus(
        self,
        terms: Sequence[str],
        articles: Sequence[str] = (),
        *,
        carried: Sequence[str] = (),
    ) -> CorpusIndex:
        """Return the articles holding the cluster's best `candidate_sentences` sentences for
        `terms` (and, selected apart, for `carried`), and those named in `articles`, as a
        candidate corpus (retrieval/whole.py)."""
        figures = self._term_figures(list(dict.fromkeys([*terms, *carried])))
        known = figures.sentence_max
        groups = [[t for t in dict.fromkeys(group) if t in known] for group in (terms, carried)]
        found = self._candidate_articles([group for group in groups if group])
        stored = self._stored_articles(sorted({*found, *articles}))
        return candidate_corpus(stored, self.figures, figures, self.params)

    def articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """Return the articles named (those that exist)."""
        sources = self._mget(list(article_ids), list(_ARTICLE_FIELDS))
        return {doc_id: _article(source) for doc_id, source in sources.items()}

    def _candidate_articles(self, groups: list[list[str]]) -> set[str]:
        """Return the articles of the cluster's best sentences for each group of terms (one
        msearch)."""
        if not groups:
            return set()
        field = schema.SENTENCE_FIELD
        body: list[dict[str, Any]] = []
        for terms in groups:
            body.append({"index": self.alias})
            body.append(
                {
                    "size": self.candidate_sentences,
                    "query": {"bool": {"should": [{"term": {field: t}} for t in terms]}},
                    "_source": ["article_id"],
                }
            )
        responses = self._call(lambda: self.client.msearch(body=body))["responses"]
        found: set[str] = set()
        for response in responses:
            if "error" in response:
                raise BackendUnavailable(f"error: OpenSearch search failed: {response['error']}")
            found.update(hit["_source"]["article_id"] for hit in response["hits"]["hits"])
        return found

    def _stored_articles(self, article_ids: list[str]) -> list[StoredArticle]:
        """Return the articles `article_ids` with their sentences' stored terms (two mgets)."""
        fields = [*_ARTICLE_FIELDS, "n_sentences", schema.ARTICLE_FIELD]
        sources = self._mget(article_ids, fields)
        found = [a for a in article_ids if a in sources]
        refs = [(a, n) for a in found for n in range(int(sources[a]["n_sentences"]))]
        by_id = self._mget([sentence_id(a, n) for a, n in refs], _SENTENCE_FIELDS)
        stored = []
        for article_id in found:
            count = int(sources[article_id]["n_sentences"])
            ids = [sentence_id(article_id, n) for n in range(count)]
            if not all(i in by_id for i in ids):
                continue  # being re-sent by a sync right now: left out of this question
            sentences = tuple(_sentence(by_id[i]) for i in ids)
            all_terms = sources[article_id][schema.ARTICLE_FIELD].split()
            title_length = len(all_terms) - sum(len(s.terms) for s in sentences)
            stored.append(
                StoredArticle(
                    _article(sources[article_id]), tuple(all_terms[:title_length]), sentences
                )
            )
        return stored

    def _term_figures(self, terms: list[str]) -> TermFigures:
        """Return the whole corpus's figures of the `terms` it knows (cached per term)."""
        missing = [t for t in terms if t not in self._max_cache]
        if missing:
            if len(self._max_cache) + len(missing) > TERM_CACHE_SIZE:
                self._max_cache.clear()
                self._df_cache.clear()
            self._fill(missing)
        field = schema.SENTENCE_FIELD
        df = {f: {t: self._df_cache[(f, t)] for t in terms} for f, _ in _VIEWS}
        known = [t for t in terms if df[field][t] or df[schema.ARTICLE_FIELD][t]]
        return TermFigures(
            sentence_df={t: df[field][t] for t in known},
            paragraph_df={t: df[schema.PARAGRAPH_FIELD][t] for t in known},
            article_df={t: df[schema.ARTICLE_FIELD][t] for t in known},
            sentence_max={t: self._max_cache[t] for t in known},
        )

    def _fill(self, terms: list[str]) -> None:
        """Count each term's documents in every view and find its highest sentence weight,
        in one msearch (a count reaches every shard). The sentence Lucene scores highest
        for a term alone is the one with the highest BM25 weight (same k1 and b; only
        Lucene's lossy length encoding may differ), recomputed here as rank-bm25's."""
        body: list[dict[str, Any]] = []
        for term in terms:
            for field, _ in _VIEWS:
                size = 1 if field == schema.SENTENCE_FIELD else 0
                query = {"term": {field: term}}
                body.append({"index": self.alias})
                body.append(
                    {"size": size, "track_total_hits": True, "query": query, "_source": [field]}
                )
        responses = self._call(lambda: self.client.msearch(body=body))["responses"]
        stats = self.views[schema.SENTENCE_FIELD]
        for i, response in enumerate(responses):
            if "error" in response:
                raise BackendUnavailable(f"error: OpenSearch count failed: {response['error']}")
            term, (field, _) = terms[i // len(_VIEWS)], _VIEWS[i % len(_VIEWS)]
            df = int(response["hits"]["total"]["value"])
            self._df_cache[(field, term)] = df
            if field != schema.SENTENCE_FIELD:
                continue
            top = response["hits"]["hits"]
            weight = 0.0
            if top:
                words = top[0]["_source"][field].split()
                term_idf = idf(stats.n_docs, df, stats.idf_floor)
                weight = term_weight(
                    term_idf, words.count(term), len(words), stats.avgdl, self.params
                )
            self._max_cache[term] = weight

    def _mget(self, ids: list[str], fields: list[str]) -> dict[str, dict[str, Any]]:
        """Return the sources (only `fields`) of the documents among `ids` that exist."""
        if not ids:
            return {}
        response = self._call(
            lambda: self.client.mget(index=self.alias, body={"ids": ids}, _source_includes=fields)
        )
        return {d["_id"]: d["_source"] for d in response["docs"] if d.get("found")}

    def _call(self, call: Any) -> Any:
        return guarded(call, self.alias)


def _sentence(source: dict[str, Any]) -> StoredSentence:
    """Return a sentence document's source as a `StoredSentence`."""
    return StoredSentence(
        paragraph=int(source["paragraph"]),
        start=int(source["start"]),
        end=int(source["end"]),
        key=int(source["key"]),
        terms=tuple(source[schema.SENTENCE_FIELD].split()),
    )


def _article(source: dict[str, Any]) -> Article:
    """Return an article document's source as an `Article`."""
    fields: dict[str, Any] = {k: source.get(k) for k in _ARTICLE_FIELDS}
    return Article(**fields)
