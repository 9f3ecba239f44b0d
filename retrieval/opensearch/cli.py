"""The `--backend opensearch` side of `python -m retrieval index` and `ask`."""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass
from typing import Any

from retrieval.index import CorpusIndex
from retrieval.opensearch.backend import OpenSearchBackend
from retrieval.opensearch.client import OpenSearchSettings, connect
from retrieval.opensearch.sync import SyncReport, sync_index
from retrieval.search import Retriever

BACKENDS = ("embedded", "opensearch")


def add_options(parser: argparse.ArgumentParser, *, rebuild: bool = False) -> None:
    """Add --backend and --opensearch-url (and --rebuild for `index`) to a subcommand."""
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default="embedded",
        help="where the index lives (default: embedded; opensearch reads OPENSEARCH_URL)",
    )
    parser.add_argument("--opensearch-url", metavar="URL", help="overrides OPENSEARCH_URL")
    if rebuild:
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="opensearch: fill a new index and switch the alias to it",
        )


def open_retriever(args: argparse.Namespace) -> Retriever:
    """Return a retriever reading the cluster named by the options and environment.

    Raises BackendUnavailable (one line) when it cannot be reached or holds no corpus.
    """
    settings = OpenSearchSettings.from_env(url=args.opensearch_url)
    return Retriever(OpenSearchBackend(connect(settings), settings.index))


@dataclass(frozen=True, slots=True)
class Target:
    """A reachable cluster and the alias the corpus goes behind."""

    client: Any
    alias: str


def target(args: argparse.Namespace) -> Target:
    """Return the cluster named by the options and environment, checked reachable first so
    that `index` fails before a long local build. Raises BackendUnavailable."""
    settings = OpenSearchSettings.from_env(url=args.opensearch_url)
    return Target(connect(settings), settings.index)


def sync(to: Target, index: CorpusIndex, rebuild: bool, progress: bool) -> SyncReport:
    """Send `index` to the cluster; return what was done."""
    return sync_index(to.client, to.alias, index, rebuild=rebuild, progress=progress)


def report_json(report: SyncReport) -> dict[str, Any]:
    """Return the sync report for `index --json`."""
    return asdict(report)


def report_line(report: SyncReport) -> str:
    """Return the sync report as one line for `index`."""
    how = f"rebuilt ({report.reason})" if report.rebuilt else "updated"
    return (
        f"opensearch: {how} {report.index}; {report.sent} article(s) sent, "
        f"{report.deleted} deleted, {report.unchanged} unchanged"
    )
