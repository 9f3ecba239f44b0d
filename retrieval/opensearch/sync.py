"""Bring the cluster's index up to date with a `CorpusIndex`.

A first sync, a format or BM25 change, or `rebuild=True` fills a new index generation and
then moves the alias to it in one atomic request, so readers never see a half-built index;
the old generation is deleted afterwards. Otherwise only the articles whose fingerprint
changed are sent, and the documents of removed articles (and the sentences and paragraphs an
article lost) are deleted. The corpus itself is read by the embedded store's one scan and
diff (retrieval/store.py), which re-analyzes only the files that changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from retrieval.index import CorpusIndex
from retrieval.opensearch import schema
from retrieval.opensearch.client import BackendUnavailable, guarded
from retrieval.opensearch.documents import CorpusDocuments, paragraph_id, sentence_id

CHUNK_SIZE = 500


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a sync did: the index generation now behind the alias and the articles sent."""

    index: str
    rebuilt: bool
    reason: str | None
    sent: int
    deleted: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class _Stored:
    """What the cluster holds of one article: its fingerprint and document counts."""

    fingerprint: str
    n_sentences: int
    n_paragraphs: int


def sync_index(
    client: Any, alias: str, index: CorpusIndex, *, rebuild: bool = False, progress: bool = False
) -> SyncReport:
    """Return what was done to make the index behind `alias` hold exactly `index`.

    Raises BackendUnavailable (one line) when the cluster fails.
    """
    documents = CorpusDocuments(index)
    current = _alias_target(client, alias)
    meta = _meta(client, alias) if current is not None else None
    reason = "rebuild asked" if rebuild else _rebuild_reason(meta, current, documents)
    if reason is not None:
        return _rebuild(client, alias, current, documents, reason, progress)
    local = {a.id: n for n, a in enumerate(index.articles)}
    if meta is not None and meta.get("corpus") == documents.corpus_digest():
        # The cluster already holds exactly these articles: no need to read its fingerprints.
        return SyncReport(str(current), False, None, 0, 0, len(local))
    stored = _stored_articles(client, alias)
    changed = [
        n
        for aid, n in local.items()
        if stored.get(aid, _NONE).fingerprint != documents.fingerprint(n)
    ]
    removed = sorted(stored.keys() - local.keys())
    actions = _chain(
        (
            _index_action(alias, doc_id, source)
            for n in changed
            for doc_id, source in documents.article_documents(n)
        ),
        _stale_deletes(alias, documents, changed, removed, stored),
    )
    _bulk(client, actions, progress)
    _write_meta(client, alias, documents)
    return SyncReport(
        index=current or alias,
        rebuilt=False,
        reason=None,
        sent=len(changed),
        deleted=len(removed),
        unchanged=len(local) - len(changed),
    )


_NONE = _Stored("", 0, 0)


def _rebuild(
    client: Any,
    alias: str,
    current: str | None,
    documents: CorpusDocuments,
    reason: str,
    progress: bool,
) -> SyncReport:
    """Fill a new generation, switch the alias to it atomically, delete the old one."""
    name = schema.generation_name(
        alias, time.strftime("%Y%m%d%H%M%S") + f"-{time.time_ns() % 10**9}"
    )
    body = schema.index_body(documents.index.params)
    guarded(lambda: client.indices.create(index=name, body=body), name)
    n_articles = len(documents.index.articles)
    actions = _chain(
        (
            _index_action(name, doc_id, source)
            for n in range(n_articles)
            for doc_id, source in documents.article_documents(n)
        ),
    )
    try:
        _bulk(client, actions, progress)
        _write_meta(client, name, documents)
    except BackendUnavailable:
        guarded(lambda: client.indices.delete(index=name, ignore_unavailable=True), name)
        raise
    moves: list[dict[str, Any]] = [{"add": {"index": name, "alias": alias}}]
    if current is not None:
        moves.insert(0, {"remove": {"index": current, "alias": alias}})
    guarded(lambda: client.indices.update_aliases(body={"actions": moves}), alias)
    if current is not None:
        guarded(lambda: client.indices.delete(index=current, ignore_unavailable=True), current)
    return SyncReport(name, True, reason, n_articles, 0, 0)


def _write_meta(client: Any, index: str, documents: CorpusDocuments) -> None:
    """Write the meta document, only once every other document was accepted (its corpus
    digest says the cluster holds them all), and make everything searchable."""
    meta = documents.meta_document()
    guarded(lambda: client.index(index=index, id=schema.META_ID, body=meta), index)
    guarded(lambda: client.indices.refresh(index=index), index)


def _alias_target(client: Any, alias: str) -> str | None:
    """Return the index `alias` points to, or None when there is no such alias."""
    exists = guarded(lambda: client.indices.exists_alias(name=alias), alias)
    if not exists:
        if guarded(lambda: client.indices.exists(index=alias), alias):
            raise BackendUnavailable(
                f"error: OpenSearch index {alias!r} exists but is not an alias; "
                "choose another OPENSEARCH_INDEX or delete it"
            )
        return None
    targets = guarded(lambda: client.indices.get_alias(name=alias), alias)
    return str(sorted(targets)[-1])


def _meta(client: Any, alias: str) -> dict[str, Any] | None:
    """Return the meta document behind `alias`, or None when there is none."""
    found = guarded(lambda: client.get(index=alias, id=schema.META_ID, ignore=404), alias)
    return dict(found["_source"]) if found.get("found") else None


def _rebuild_reason(
    meta: dict[str, Any] | None, current: str | None, documents: CorpusDocuments
) -> str | None:
    """Return why the index behind the alias cannot be updated in place, or None."""
    if current is None:
        return "no index yet"
    if meta is None:
        return "no meta document"
    wanted = documents.meta_document()
    for key in ("format", "analyzer", "k1", "b", "epsilon"):
        if meta.get(key) != wanted[key]:
            return f"{key} changed ({meta.get(key)} → {wanted[key]})"
    return None


def _stored_articles(client: Any, alias: str) -> dict[str, _Stored]:
    """Return, per article id in the cluster, its fingerprint and document counts."""
    from opensearchpy import helpers

    query = {
        "query": {"term": {"kind": "article"}},
        "_source": ["fingerprint", "n_sentences", "n_paragraphs"],
    }
    stored = {}
    for hit in guarded(lambda: list(helpers.scan(client, query=query, index=alias)), alias):
        source = hit["_source"]
        stored[hit["_id"]] = _Stored(
            source["fingerprint"], int(source["n_sentences"]), int(source["n_paragraphs"])
        )
    return stored


def _stale_deletes(
    alias: str,
    documents: CorpusDocuments,
    changed: list[int],
    removed: list[str],
    stored: dict[str, _Stored],
) -> Iterator[dict[str, Any]]:
    """Yield deletes for removed articles' documents and those a changed article lost."""
    for n in changed:
        article_id = documents.index.articles[n].id
        old = stored.get(article_id, _NONE)
        sentences, paragraphs = documents.shape(n)
        yield from _deletes(
            alias,
            article_id,
            range(sentences, old.n_sentences),
            range(paragraphs, old.n_paragraphs),
        )
    for article_id in removed:
        old = stored[article_id]
        yield from _deletes(alias, article_id, range(old.n_sentences), range(old.n_paragraphs))
        yield {"_op_type": "delete", "_index": alias, "_id": article_id}


def _deletes(
    alias: str, article_id: str, sentences: range, paragraphs: range
) -> Iterator[dict[str, Any]]:
    """Yield delete actions for the given sentence and paragraph numbers of an article."""
    for s in sentences:
        yield {"_op_type": "delete", "_index": alias, "_id": sentence_id(article_id, s)}
    for p in paragraphs:
        yield {"_op_type": "delete", "_index": alias, "_id": paragraph_id(article_id, p)}


def _index_action(index: str, doc_id: str, source: dict[str, Any]) -> dict[str, Any]:
    """Return a bulk action that writes (or overwrites) one document."""
    return {"_op_type": "index", "_index": index, "_id": doc_id, "_source": source}


def _chain(*parts: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for part in parts:
        yield from part


def _bulk(client: Any, actions: Iterable[dict[str, Any]], progress: bool) -> None:
    """Send `actions` with `helpers.streaming_bulk`; a failed document is an error, a
    delete of a document already gone is not."""
    from opensearchpy import helpers

    def run() -> None:
        stream = helpers.streaming_bulk(
            client, actions, chunk_size=CHUNK_SIZE, raise_on_error=False, max_retries=2
        )
        with tqdm(desc="OpenSearch", unit=" docs", disable=not progress) as bar:
            for ok, item in stream:
                bar.update(1)
                if not ok and not _already_deleted(item):
                    raise BackendUnavailable(
                        f"error: OpenSearch refused a document: {_brief(item)}"
                    )

    guarded(run, "bulk")


def _already_deleted(item: dict[str, Any]) -> bool:
    """Return whether a failed bulk item is a delete of a missing document (harmless)."""
    delete = item.get("delete")
    return delete is not None and delete.get("status") == 404


def _brief(item: dict[str, Any]) -> str:
    """Return one line naming the failed document and why."""
    for op, result in item.items():
        return f"{op} {result.get('_id')}: {result.get('error')}"
    return str(item)
