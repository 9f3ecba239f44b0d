"""The one registry of article file formats: suffix → layout, and where each is accepted.

Every suffix list, help text and error message about file types derives from `FORMATS`
(the corpus scan, `add`, the bot's upload check, `import`). The parser of each layout lives
in retrieval/corpus.py, keyed by `Layout`. Imports nothing heavy: the CLI and the bot read it
at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# The largest article file an admin may upload (bot setting MAX_UPLOAD_BYTES, `add`).
DEFAULT_MAX_UPLOAD_BYTES = 5_000_000


class Layout(Enum):
    """How the text of a file is laid out, i.e. which parser reads it."""

    SEED_TEXT = "seed-layout text (category, blank, title, blank, body)"
    MARKDOWN = "Markdown with YAML front matter"
    JSON = "JSON array of article objects"
    JSON_LINES = "JSON Lines, one article object a line"
    ZIP = "zip archive of .json/.jsonl files"


@dataclass(frozen=True, slots=True)
class ArticleFormat:
    """One accepted file type: its suffix, layout, and whether the corpus reads it, an
    admin may upload it, and `import` accepts it."""

    suffix: str
    layout: Layout
    in_corpus: bool
    uploadable: bool
    importable: bool


FORMATS: tuple[ArticleFormat, ...] = (
    ArticleFormat(".txt", Layout.SEED_TEXT, in_corpus=True, uploadable=True, importable=False),
    ArticleFormat(".md", Layout.MARKDOWN, in_corpus=True, uploadable=True, importable=False),
    ArticleFormat(".json", Layout.JSON, in_corpus=True, uploadable=False, importable=True),
    ArticleFormat(".jsonl", Layout.JSON_LINES, in_corpus=True, uploadable=True, importable=True),
    ArticleFormat(".zip", Layout.ZIP, in_corpus=False, uploadable=False, importable=True),
)

BY_SUFFIX: dict[str, ArticleFormat] = {f.suffix: f for f in FORMATS}
ARTICLE_SUFFIXES = tuple(f.suffix for f in FORMATS if f.in_corpus)
UPLOAD_SUFFIXES = tuple(f.suffix for f in FORMATS if f.uploadable)
IMPORT_SUFFIXES = tuple(f.suffix for f in FORMATS if f.importable)
BULK_SUFFIXES = tuple(f.suffix for f in FORMATS if f.layout in (Layout.JSON, Layout.JSON_LINES))


def layout_of(suffix: str) -> Layout | None:
    """Return the layout of a file suffix (any case, with its dot), or None if unknown."""
    found = BY_SUFFIX.get(suffix.lower())
    return found.layout if found is not None else None


def listing(suffixes: tuple[str, ...], conjunction: str = "or") -> str:
    """Return suffixes as English prose, e.g. ".txt, .md or .jsonl", for help and errors."""
    if len(suffixes) < 2:
        return "".join(suffixes)
    return f"{', '.join(suffixes[:-1])} {conjunction} {suffixes[-1]}"
