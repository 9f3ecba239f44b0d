"""`SearchBackend` over a cluster: candidates from the cluster, BM25 computed as rank-bm25.

The cluster selects the candidate sentences with its own BM25 (Lucene's idf); their
evidence is then recomputed from the stored terms with rank-bm25's formula, the cluster's
document frequencies and the meta document's statistics, so the ranking above sees the same
numbers as from the embedded index (docs/scaling.md measures what the candidate selection
still changes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retrieval.backends.base import (
    ArticleShape,
    Candidates,
    ParagraphKey,
    Sentence,
    SentenceKey,
    ViewStats,
    bm25,
    idf,
)
from retrieval.bm25 import BM25Params
from retrieval.corpus import Article
from retrieval.opensearch import schema
from retrieval.opensearch.client import BackendUnavailable, guarded
from retrieval.opensearch.documents import paragraph_id, sentence_id

# Document frequencies remembered per backend (one backend serves one state of the index:
# the bot opens a new one when a sync changed the meta document). Cleared when full.
DF_CACHE_SIZE = 200_000
_ARTICLE_FIELDS = ("id", "title", "text", "path", "source", "url", "date", "category", "author")
_SENTENCE_FIELDS = ["article_id", "number", "paragraph", "start", "end", "text", "key"]


class OpenSearchBackend:
    """Reads one corpus from the index behind `alias`; `client` is an opensearchpy client."""

    def __init__(self, client: Any, alias: str) -> None:
        self.client = client
        self.alias = alias
        found = self._call(lambda: client.get(index=alias, id=schema.META_ID, ignore=404))
        if not found.get("found"):
            raise BackendUnavailable(
                f"error: no corpus indexed in OpenSearch index {alias!r}: "
                "run `python -m retrieval index --backend opensearch` first"
            )
        meta = found["_source"]
        self.generation = str(found["_index"])  # the index behind the alias
        self._df_cache: dict[tuple[str, str], int] = {}
        self.params = BM25Params(k1=meta["k1"], b=meta["b"], epsilon=meta["epsilon"])
        self.views = {
            field: ViewStats(**meta[view])
            for field, view in (
                (schema.SENTENCE_FIELD, "sentences"),
                (schema.PARAGRAPH_FIELD, "paragraphs"),
                (schema.ARTICLE_FIELD, "articles"),
            )
        }

    def sentence_candidates(self, terms: Sequence[str], limit: int) -> Candidates:
        """Return up to `limit` sentences the cluster matches, by rank-bm25's BM25."""
        field = schema.SENTENCE_FIELD
        distinct = list(dict.fromkeys(terms))
        body = {
            "size": limit,
            "query": {"bool": {"should": [{"term": {field: t}} for t in distinct]}},
            "_source": [*_SENTENCE_FIELDS, field],
        }
        hits = self._call(lambda: self.client.search(index=self.alias, body=body))["hits"]["hits"]
        sentences = [_sentence(hit["_source"]) for hit in hits]
        idfs = self._idfs(field, distinct)
        stats = self.views[field]
        scores = [bm25(terms, s.terms, idfs, stats, self.params) for s in sentences]
        order = sorted(range(len(sentences)), key=lambda i: -scores[i])
        return Candidates(
            sentences=[sentences[i] for i in order],
            bm25=[scores[i] for i in order],
            mean_length=stats.avgdl,
        )

    def paragraph_bm25(self, terms: Sequence[str], keys: Sequence[ParagraphKey]) -> list[float]:
        """Return the BM25 of each paragraph in `keys` for `terms`."""
        ids = [paragraph_id(a, n) for a, n in keys]
        return self._scores(schema.PARAGRAPH_FIELD, terms, ids)

    def article_bm25(self, terms: Sequence[str], article_ids: Sequence[str]) -> list[float]:
        """Return the BM25 of each article (title included) for `terms`."""
        return self._scores(schema.ARTICLE_FIELD, terms, list(article_ids))

    def article_shapes(self, article_ids: Sequence[str]) -> dict[str, ArticleShape]:
        """Return each article's sentence count and per-term sentence counts."""
        sources = self._mget(list(article_ids), ["n_sentences", "sentence_df"])
        return {
            doc_id: ArticleShape(int(s["n_sentences"]), _counts(s["sentence_df"]))
            for doc_id, s in sources.items()
        }

    def sentence_df(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """Return (number of sentences, sentences holding each term)."""
        field = schema.SENTENCE_FIELD
        return self.views[field].n_docs, self._dfs(field, list(dict.fromkeys(terms)))

    def sentences(self, refs: Sequence[SentenceKey]) -> dict[SentenceKey, Sentence]:
        """Return the sentences that exist among `refs`."""
        ids = {sentence_id(a, n): (a, n) for a, n in refs if n >= 0}
        sources = self._mget(list(ids), [*_SENTENCE_FIELDS, schema.SENTENCE_FIELD])
        return {ids[doc_id]: _sentence(source) for doc_id, source in sources.items()}

    def articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """Return the articles named."""
        sources = self._mget(list(article_ids), list(_ARTICLE_FIELDS))
        return {doc_id: _article(source) for doc_id, source in sources.items()}

    def _scores(self, field: str, terms: Sequence[str], ids: list[str]) -> list[float]:
        """Return the BM25 of documents `ids` of the view `field` (0 for missing ones)."""
        distinct_ids = list(dict.fromkeys(ids))
        sources = self._mget(distinct_ids, [field])
        idfs = self._idfs(field, list(dict.fromkeys(terms)))
        stats = self.views[field]
        by_id = {
            doc_id: bm25(terms, source[field].split(), idfs, stats, self.params)
            for doc_id, source in sources.items()
        }
        return [by_id.get(doc_id, 0.0) for doc_id in ids]

    def _idfs(self, field: str, terms: list[str]) -> dict[str, float]:
        """Return rank-bm25's idf of each term in the view `field`."""
        stats = self.views[field]
        return {
            t: idf(stats.n_docs, df, stats.idf_floor) for t, df in self._dfs(field, terms).items()
        }

    def _dfs(self, field: str, terms: list[str]) -> dict[str, int]:
        """Return how many documents of the view `field` hold each term: remembered ones
        from the cache, the others counted in one msearch (a count reaches every shard)."""
        cache = self._df_cache
        missing = [t for t in terms if (field, t) not in cache]
        if missing:
            if len(cache) + len(missing) > DF_CACHE_SIZE:
                cache.clear()
            cache.update(((field, t), df) for t, df in self._count(field, missing).items())
        return {t: cache[(field, t)] for t in terms}

    def _count(self, field: str, terms: list[str]) -> dict[str, int]:
        """Return how many documents of the view `field` hold each term (one msearch)."""
        body: list[dict[str, Any]] = []
        for term in terms:
            body.append({"index": self.alias})
            body.append({"size": 0, "track_total_hits": True, "query": {"term": {field: term}}})
        responses = self._call(lambda: self.client.msearch(body=body))["responses"]
        dfs = {}
        for term, response in zip(terms, responses, strict=True):
            if "error" in response:
                raise BackendUnavailable(f"error: OpenSearch count failed: {response['error']}")
            dfs[term] = int(response["hits"]["total"]["value"])
        return dfs

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


def _sentence(source: dict[str, Any]) -> Sentence:
    """Return a sentence document's source as a `Sentence`."""
    return Sentence(
        article_id=source["article_id"],
        number=int(source["number"]),
        paragraph=int(source["paragraph"]),
        start=int(source["start"]),
        end=int(source["end"]),
        text=source["text"],
        key=int(source["key"]),
        terms=tuple(source[schema.SENTENCE_FIELD].split()),
    )


def _article(source: dict[str, Any]) -> Article:
    """Return an article document's source as an `Article`."""
    fields: dict[str, Any] = {k: source.get(k) for k in _ARTICLE_FIELDS}
    return Article(**fields)


def _counts(encoded: str) -> dict[str, int]:
    """Return the "term:count term:count" string of an article document as a dict."""
    pairs = (item.rpartition(":") for item in encoded.split())
    return {term: int(count) for term, _, count in pairs}
