"""Find and read the article files of a corpus folder → `Article` records.

Formats (see corpus/README.md and the registry in retrieval/formats.py): seed-layout `.txt`,
`.md` with YAML front matter, and bulk `.json` (an array of objects) / `.jsonl` (one object a
line). A file that cannot be read or parsed is reported as skipped with its reason; it never
stops the other files from loading. Stray control characters are replaced by spaces (only
tab and line breaks are kept); a file is refused as binary only for NUL bytes or a high share
of control characters.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval.decoding import ArticleFormatError as ArticleFormatError
from retrieval.decoding import clean_controls as clean_controls
from retrieval.decoding import decode_bytes as decode_bytes
from retrieval.formats import Layout, layout_of

log = logging.getLogger(__name__)
MAX_FILE_BYTES = 200 * 1024 * 1024

# Lines that site templates add to articles; they answer no question. Kept short on
# purpose: lines a source repeats in many of its articles are found from the data at import
# time (retrieval/importer.py); these are the ones a single file already shows.
BOILERPLATE_PATTERNS = (
    r"زر الذهاب (?:إلى|الى) (?:الأعلى|الاعلى)",
    r"رابط الخبر بصحيفة\b.*",
    r"//\s*(?:انتهى|يتبع)\s*//",
    r"انتهى",
    r"اقرأ أيضا(?:ً)?:?",
    r"شارك هذا المقال",
    # a timestamp alone on its line: "14:35 ت م", "2015-07-21 02:51:32", "10:05 ص"
    r"(?:\d{4}[-/]\d{1,2}[-/]\d{1,2}\s*)?\d{1,2}:\d{2}(?::\d{2})?\s*"
    r"(?:ت\s*\.?\s*م|[صم]|[AaPp]\.?[Mm]\.?|GMT)?",
    r"\d{4}[-/]\d{1,2}[-/]\d{1,2}",
)
_BOILERPLATE = re.compile("|".join(f"(?:{pattern})" for pattern in BOILERPLATE_PATTERNS))
# The same end markers at the end of a text line: "... الخبر. // انتهى //"
_TRAILING_MARKER = re.compile(r"\s*//\s*(?:انتهى|يتبع)\s*//\s*$")

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_MAX_CATEGORY_CHARS = 60
_BODY_FIELDS = ("content", "text", "body")
_DATE_FIELDS = ("date", "date_extracted", "published")


@dataclass(frozen=True, slots=True)
class Article:
    """One news article: its text and the metadata a reply needs for attribution."""

    id: str
    title: str
    text: str
    path: str
    source: str | None = None
    url: str | None = None
    date: str | None = None
    category: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file (or one record of a bulk file) that was not loaded, and why."""

    path: str
    reason: str


@dataclass(slots=True)
class CorpusContents:
    """Everything read from a corpus folder: the articles and what was skipped."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


def find_article_files(corpus_dir: Path) -> list[Path]:
    """Return the article files under `corpus_dir`, recursively, in a stable sorted order.

    README files and hidden files/folders (such as the persisted index) are not articles.
    The one scan of the store decides (retrieval/store/scan.py).
    """
    from retrieval.store.scan import scan_corpus  # the store imports this module

    return [corpus_dir / rel for rel in scan_corpus(corpus_dir)]


def clean_body(text: str) -> str:
    """Return article body text with site boilerplate lines removed and line ends unified.

    Depends on this text alone (no other files), so every file reads the same on its own.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        line = line.rstrip()
        if "//" in line:
            line = _TRAILING_MARKER.sub("", line)
        if is_boilerplate(line.strip()):
            continue
        lines.append(line)
    return "\n".join(lines).strip()


def is_boilerplate(line: str) -> bool:
    """True when the stripped `line` is a known site boilerplate line (never a whole
    sentence of news: markers, "back to top" buttons, link footers, lone timestamps)."""
    return _BOILERPLATE.fullmatch(line) is not None


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = clean_controls(str(value)).strip()
    return text or None


def parse_txt(text: str) -> tuple[dict[str, str | None], str]:
    """Return (metadata, body) of a seed-layout text article.

    Layout: category line, blank, title line, blank, body. When the first non-empty line is
    followed directly by body text (no blank line after the second line), it is title + body.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    if not blocks:
        raise ArticleFormatError("empty file")
    first = blocks[0]
    looks_like_category = len(first) == 1 and len(first[0]) <= _MAX_CATEGORY_CHARS
    if looks_like_category and len(blocks) >= 3 and len(blocks[1]) == 1:
        category, title = first[0], blocks[1][0]
        body_blocks = blocks[2:]
    elif len(first) == 1 and len(blocks) >= 2:
        category, title = None, first[0]
        body_blocks = blocks[1:]
    else:
        category, title = None, first[0]
        body_blocks = [first[1:], *blocks[1:]]
    body = "\n\n".join("\n".join(block) for block in body_blocks if block)
    return {"title": title, "category": category}, body


def parse_md(text: str) -> tuple[dict[str, Any], str]:
    """Return (front matter, body) of a Markdown article; the body's first `# ` heading is
    the title when the front matter has none."""
    match = _FRONT_MATTER.match(text)
    meta: dict[str, Any] = {}
    body = text
    if match:
        import yaml  # only Markdown needs it: keeps `ask` starts fast

        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError as exc:
            raise ArticleFormatError(f"broken YAML front matter: {exc}".splitlines()[0]) from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ArticleFormatError("front matter is not a mapping of fields")
        meta = loaded or {}
        body = text[match.end() :]
    if not _text_or_none(meta.get("title")):
        heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
        if heading:
            meta["title"] = heading.group(1).strip()
            body = body[: heading.start()] + body[heading.end() :]
    return meta, body


def record_fields(record: dict[str, Any]) -> tuple[dict[str, str | None], str]:
    """Return (metadata, body) of one bulk JSON record, accepting the field aliases
    content|text|body and date|date_extracted|published."""
    body = next((str(record[f]) for f in _BODY_FIELDS if _text_or_none(record.get(f))), "")
    date = next((_text_or_none(record[f]) for f in _DATE_FIELDS if record.get(f)), None)
    meta = {
        key: _text_or_none(record.get(key))
        for key in ("title", "source", "url", "category", "author")
    }
    meta["date"] = date
    return meta, body


def make_article(article_id: str, path: str, meta: dict[str, Any], body: str) -> Article:
    """Return an Article from parsed metadata and body; raises ArticleFormatError when the
    article has no text worth indexing. A missing title falls back to the first line."""
    body = clean_body(clean_controls(body))
    if not body:
        raise ArticleFormatError("no article text")
    title = _text_or_none(meta.get("title")) or body.split("\n", 1)[0][:120]
    date = meta.get("date")
    return Article(
        id=article_id,
        title=title,
        text=body,
        path=path,
        source=_text_or_none(meta.get("source")),
        url=_text_or_none(meta.get("url")),
        date=_text_or_none(date.isoformat() if isinstance(date, datetime.date) else date),
        category=_text_or_none(meta.get("category")),
        author=_text_or_none(meta.get("author")),
    )


def bulk_records(suffix: str, text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Yield (record number, record or error reason) from a .json or .jsonl file.

    A `.jsonl` record is numbered by its line, so one bad line is reported and skipped
    while the others still load; a `.json` file that is not valid JSON raises
    ArticleFormatError as a whole.
    """
    if layout_of(suffix) is Layout.JSON_LINES:
        # "\n" only: a raw U+2028 inside a JSON string is valid and splits no record.
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"invalid JSON ({exc.msg})"
                continue
            yield number, record if isinstance(record, dict) else "not an object"
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArticleFormatError(f"invalid JSON: {exc.msg} at line {exc.lineno}") from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ArticleFormatError("JSON is neither an article object nor an array of them")
    for number, record in enumerate(data, start=1):
        yield number, record if isinstance(record, dict) else "not an object"


def parse_text(text: str, rel: str, suffix: str) -> CorpusContents:
    """Return the articles parsed from the decoded `text` of a file named `rel` with the
    given suffix, and the records of it that were skipped.

    Shared by `read_file` and by code that checks an upload before writing it. Article ids
    derive from `rel` (plus the record number in bulk files), so they stay stable.
    """
    result = CorpusContents()
    suffix = suffix.lower()
    layout = layout_of(suffix)
    try:
        if layout in (Layout.JSON, Layout.JSON_LINES):
            unit = "line" if layout is Layout.JSON_LINES else "record"
            for number, record in bulk_records(suffix, text):
                try:
                    if isinstance(record, str):
                        raise ArticleFormatError(record)
                    meta, body = record_fields(record)
                    result.articles.append(make_article(f"{rel}#{number}", rel, meta, body))
                except ArticleFormatError as exc:
                    result.skipped.append(SkippedFile(rel, f"{unit} {number}: {exc}"))
            return result
        # Control characters would break the YAML front matter: clean them first.
        text = clean_controls(text)
        meta, body = parse_md(text) if layout is Layout.MARKDOWN else parse_txt(text)
        result.articles.append(make_article(rel, rel, meta, body))
    except ArticleFormatError as exc:
        result.skipped.append(SkippedFile(rel, str(exc) or type(exc).__name__))
    return result


def read_file(path: Path, corpus_dir: Path, max_bytes: int = MAX_FILE_BYTES) -> CorpusContents:
    """Return the articles of one file and the records of it that were skipped.

    Reads this file alone (never its neighbours), so an incremental index can re-read only
    the files that changed. Files over `max_bytes` are skipped unread.
    """
    rel = path.relative_to(corpus_dir).as_posix()
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ArticleFormatError(f"file too large ({size} bytes > {max_bytes})")
        text = decode_bytes(path.read_bytes())
    except (OSError, ArticleFormatError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return CorpusContents(skipped=[SkippedFile(rel, reason or type(exc).__name__)])
    return parse_text(text, rel, path.suffix)


def read_corpus(corpus_dir: Path) -> CorpusContents:
    """Return every article under `corpus_dir` and every file that was skipped, with reasons.

    Skips are also logged as warnings naming the file, for operators reading the logs.
    """
    contents = CorpusContents()
    for path in find_article_files(corpus_dir):
        one = read_file(path, corpus_dir)
        contents.articles.extend(one.articles)
        contents.skipped.extend(one.skipped)
    for skipped in contents.skipped:
        log.warning("skipped %s: %s", skipped.path, skipped.reason)
    return contents
