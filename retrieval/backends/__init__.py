"""Search backends: where candidate sentences and their BM25 evidence come from.

`base.SearchBackend` is the interface ("candidate sentences with their BM25 evidence for
these analyzed terms, and the paragraph and article evidence for these ids"); the embedded
sparse index (`embedded.EmbeddedBackend`, the default) and OpenSearch
(`retrieval.opensearch.OpenSearchBackend`) implement it. `retriever.BackendRetriever` ranks
over any backend with the ranking's own weights and turns the result into `Hit`s.
"""

from retrieval.backends.base import Candidates, SearchBackend, Sentence, ViewStats
from retrieval.backends.embedded import EmbeddedBackend
from retrieval.backends.retriever import BackendRetriever

__all__ = [
    "BackendRetriever",
    "Candidates",
    "EmbeddedBackend",
    "SearchBackend",
    "Sentence",
    "ViewStats",
]
