"""The cluster's index layout: one index per generation, read through one alias.

Sentences, paragraphs and articles are documents of one index told apart by `kind`; each
view's analyzed terms go in its own field, so Lucene keeps separate statistics per view. One
`meta` document holds the figures rank-bm25's scoring needs that the cluster does not give
(see `documents.meta_document`).
"""

from __future__ import annotations

from typing import Any

from retrieval.bm25 import BM25Params

# Bump when documents change shape: an index of another format is rebuilt.
FORMAT = 1  # documents.py and backend.py read and write this format
META_ID = "meta#corpus"
SENTENCE_FIELD = "sentence_terms"
PARAGRAPH_FIELD = "paragraph_terms"
ARTICLE_FIELD = "article_terms"


def index_body(params: BM25Params, shards: int = 1, replicas: int = 0) -> dict[str, Any]:
    """Return the settings and mappings of a new index: a whitespace analyzer over the
    project's terms and the BM25 similarity with the embedded index's k1 and b."""
    terms = {"type": "text", "analyzer": "terms", "similarity": "project_bm25"}
    stored = {"type": "text", "index": False}
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "index": {
                "similarity": {"project_bm25": {"type": "BM25", "k1": params.k1, "b": params.b}}
            },
            "analysis": {"analyzer": {"terms": {"type": "custom", "tokenizer": "whitespace"}}},
        },
        "mappings": {
            "dynamic": False,
            "properties": {
                "kind": {"type": "keyword"},
                "article_id": {"type": "keyword"},
                "fingerprint": {"type": "keyword"},
                SENTENCE_FIELD: terms,
                PARAGRAPH_FIELD: terms,
                ARTICLE_FIELD: terms,
                "text": stored,
            },
        },
    }


def generation_name(alias: str, stamp: str) -> str:
    """Return the name of a new index generation behind `alias`."""
    return f"{alias}-{stamp}"
