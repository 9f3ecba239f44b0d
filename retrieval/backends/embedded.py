"""The embedded backend: one in-memory `CorpusIndex`, the default."""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.index import CorpusIndex


class EmbeddedBackend:
    """`SearchBackend` over a `CorpusIndex` in this process: every question's corpus is the
    whole index, so the ranking reads its postings directly (no copy, no cost)."""

    def __init__(self, index: CorpusIndex) -> None:
        self.index = index

    @property
    def resident(self) -> CorpusIndex:
        """Return the whole index."""
        return self.index

    def candidate_corpus(
        self,
        terms: Sequence[str],
        articles: Sequence[str] = (),
        *,
        carried: Sequence[str] = (),
    ) -> CorpusIndex:
        """Return the whole index: it holds every candidate, with its own figures."""
        return self.index
