"""The OpenSearch backend: index a corpus into a cluster and answer from it.

Needs the optional extra: `pip install -e ".[opensearch]"`. Documents carry the project's own
analyzed terms as whitespace-joined strings (whitespace analyzer), so the cluster and the
embedded index match the same terms; see docs/scaling.md.
"""

from retrieval.opensearch.backend import CANDIDATE_SENTENCES, OpenSearchBackend
from retrieval.opensearch.client import BackendUnavailable, OpenSearchSettings, connect
from retrieval.opensearch.sync import SyncReport, sync_index

__all__ = [
    "CANDIDATE_SENTENCES",
    "BackendUnavailable",
    "OpenSearchBackend",
    "OpenSearchSettings",
    "SyncReport",
    "connect",
    "sync_index",
]
