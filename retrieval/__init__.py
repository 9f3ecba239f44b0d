"""Arabic question answering over a folder of news articles: the public Python API.

    import retrieval
    retriever = retrieval.open_retriever("corpus")
    for hit in retriever.search("متى افتتح المستشفى؟"):
        print(hit.score, hit.text, hit.article.title)

Everything else in this package may change. Names are imported on first use, so that
`import retrieval` (and every `python -m retrieval` start) stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retrieval.corpus import Article
    from retrieval.followup import PreviousTurn
    from retrieval.search import Hit, Retriever

__all__ = ["Article", "Hit", "PreviousTurn", "Retriever", "open_retriever"]


def open_retriever(
    corpus_dir: str | Path, *, index_dir: str | Path | None = None, workers: int | None = None
) -> Retriever:
    """Return a Retriever answering questions over the article files in `corpus_dir`.

    Loads the index persisted in `index_dir` (default `<corpus_dir>/.index`), re-analyzing
    only the files changed since it was saved and saving the result. Analysis runs in this
    process unless `workers` asks for that many worker processes (then call it under
    `if __name__ == "__main__":`). Raises FileNotFoundError when the folder does not exist.
    """
    from retrieval.search import Retriever

    folder = Path(corpus_dir)
    return Retriever.open(
        folder, Path(index_dir) if index_dir is not None else None, workers=workers
    )


def __getattr__(name: str) -> Any:
    """Import the public classes on first use (PEP 562)."""
    if name in ("Hit", "Retriever"):
        from retrieval import search

        return getattr(search, name)
    if name == "Article":
        from retrieval import corpus

        return corpus.Article
    if name == "PreviousTurn":
        from retrieval import followup

        return followup.PreviousTurn
    raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
