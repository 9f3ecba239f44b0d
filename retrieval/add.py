"""Add one article to the corpus folder safely: from an uploaded file or from plain text.

Both ways check the article really parses before anything is written, choose a safe file
name inside the corpus folder, never overwrite a different file, and write atomically, so a
running bot reloading the folder never sees half a file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime
from pathlib import Path

import yaml

from retrieval.atomic import create_atomically
from retrieval.corpus import ArticleFormatError, SkippedFile, decode_bytes, parse_text, parse_txt
from retrieval.formats import DEFAULT_MAX_UPLOAD_BYTES, UPLOAD_SUFFIXES, listing

_MAX_NAME_CHARS = 80
_UNSAFE_NAME_CHARS = re.compile(r"[^\w-]+")


@dataclass(frozen=True)
class AddResult:
    """Where an added article file went, how many articles it holds and the first title.

    `already_present` is True when an identical file was already there (nothing written);
    `skipped` lists the records of a `.jsonl` upload that will not load, with reasons.
    """

    path: Path
    articles: int
    title: str
    already_present: bool = False
    skipped: tuple[SkippedFile, ...] = ()


class AddError(ValueError):
    """The article cannot be added; the message is one English line for the operator."""


def safe_stem(name: str, fallback: str = "article") -> str:
    """Return `name` reduced to a safe file stem: letters (Arabic included), digits, `-` and
    `_` (no dots, so no `..` and no hidden names; no path separators), at most 80 characters.

    Diacritics and invisible format characters are dropped so that the same title always
    gives the same name.
    """
    name = unicodedata.normalize("NFKC", name)
    name = "".join(c for c in name if unicodedata.category(c) not in ("Mn", "Cf", "Cc"))
    name = _UNSAFE_NAME_CHARS.sub("-", name)
    name = re.sub(r"-{2,}", "-", name).strip("-_")
    return name[:_MAX_NAME_CHARS].rstrip("-_") or fallback


def add_document(
    corpus_dir: Path, filename: str, data: bytes, max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
) -> AddResult:
    """Check an uploaded article file (a suffix of `formats.UPLOAD_SUFFIXES`) and save it
    into `corpus_dir`.

    Returns where it went. The bytes are decoded (UTF-8, UTF-16, Windows-1256…), parsed with
    the corpus readers and must hold at least one article; the file is stored as UTF-8 under
    a sanitized version of `filename`. Raises AddError saying why when it is refused.
    """
    suffix = Path(filename.replace("\\", "/")).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        allowed = listing(UPLOAD_SUFFIXES)
        raise AddError(f"unsupported file type {suffix or '(none)'!r}: send {allowed}")
    if not data:
        raise AddError("the file is empty")
    if len(data) > max_bytes:
        raise AddError(f"the file is too large ({len(data)} bytes, limit {max_bytes})")
    try:
        text = decode_bytes(data)
    except ArticleFormatError as exc:
        raise AddError(f"cannot read the file as text: {exc}") from exc
    stem = safe_stem(Path(filename.replace("\\", "/")).stem, fallback="document")
    parsed = parse_text(text, stem + suffix, suffix)
    if not parsed.articles:
        reason = parsed.skipped[0].reason if parsed.skipped else "no article text"
        raise AddError(f"no article found in the file: {reason}")
    path, present = _save(corpus_dir, stem, suffix, text.encode("utf-8"))
    skipped = tuple(SkippedFile(path.name, s.reason) for s in parsed.skipped)
    return AddResult(path, len(parsed.articles), parsed.articles[0].title, present, skipped)


def add_article(
    corpus_dir: Path,
    text: str,
    *,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    date: str | Date | None = None,
    category: str | None = None,
    author: str | None = None,
) -> AddResult:
    """Write one article as a `.md` file with YAML front matter into `corpus_dir`.

    Returns where it went. Without `title`, the text is read like a seed-layout `.txt`
    (optional category line, title line, body). The file is named from the title; an
    identical existing file is reported as already present, a different one is never
    overwritten (the new name gets a number). Raises AddError for an empty text, a bad
    date or URL, or a corpus folder that does not exist.
    """
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise AddError("the article text is empty")
    body = text
    if not _clean(title):
        try:
            meta, body = parse_txt(text)
        except ArticleFormatError as exc:
            raise AddError(f"cannot read the article: {exc}") from exc
        title = meta["title"] or ""
        category = category or meta["category"]
        if not body.strip():
            body, title = text, title[:120]
    fields = {
        "title": _clean(title),
        "source": _clean(source),
        "url": _check_url(_clean(url)),
        "date": _check_date(date),
        "category": _clean(category),
        "author": _clean(author),
    }
    front = yaml.safe_dump(
        {k: v for k, v in fields.items() if v is not None},
        allow_unicode=True,
        sort_keys=False,
        width=1000,
    )
    content = f"---\n{front}---\n{body.strip()}\n"
    parsed = parse_text(content, "new.md", ".md")
    if not parsed.articles:
        reason = parsed.skipped[0].reason if parsed.skipped else "no article text"
        raise AddError(f"the article has no text worth indexing: {reason}")
    stem = safe_stem(str(fields["title"]))
    path, present = _save(corpus_dir, stem, ".md", content.encode("utf-8"))
    return AddResult(path, 1, parsed.articles[0].title, present)


def _clean(value: object) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _check_url(url: str | None) -> str | None:
    if url is not None and not re.match(r"https?://\S+$", url):
        raise AddError(f"not a web address (http:// or https://): {url}")
    return url


def _check_date(value: str | Date | None) -> str | None:
    if value is None or isinstance(value, Date):
        return value.isoformat() if value is not None else None
    text = value.strip()
    if not text:
        return None
    try:
        datetime.fromisoformat(text)
    except ValueError as exc:
        raise AddError(f"not a date (use YYYY-MM-DD or YYYY-MM-DD hh:mm:ss): {text}") from exc
    return text


def _save(corpus_dir: Path, stem: str, suffix: str, content: bytes) -> tuple[Path, bool]:
    """Return write_new_file's (path, already_present) in an existing corpus folder; every
    failure becomes an AddError."""
    folder = Path(corpus_dir).resolve()
    if not folder.is_dir():
        raise AddError(f"corpus folder not found: {corpus_dir}")
    try:
        return write_new_file(folder, stem, suffix, content)
    except OSError as exc:
        raise AddError(f"cannot write into {corpus_dir}: {exc.strerror or exc}") from exc


def write_new_file(folder: Path, stem: str, suffix: str, content: bytes) -> tuple[Path, bool]:
    """Return (path, already_present) after writing `content` to a new file in `folder`
    (created if missing). Shared by `add` and `import` so both name and write files alike.

    Tries `stem.suffix`, then `stem-2.suffix`, … A file that already holds exactly
    `content` is reported instead of writing a copy. The write goes to a hidden temporary
    file (ignored by corpus readers) that is then hard-linked to its name, which fails
    rather than replace a file that appeared in the meantime (retrieval/atomic.py).
    """
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, 1000):
        name = f"{stem}{suffix}" if number == 1 else f"{stem}-{number}{suffix}"
        target = folder / name
        if target.resolve().parent != folder:
            raise AddError(f"refusing a path outside the corpus folder: {name}")
        if target.exists():
            if target.is_file() and target.read_bytes() == content:
                return target, True
            continue
        if create_atomically(target, content):
            return target, False
    raise AddError(f"too many files named {stem}{suffix} already")
