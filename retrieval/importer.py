"""Bulk import of news articles into the corpus: `.json`, `.jsonl` and `.zip` files of them.

Each input file (or `.json`/`.jsonl` member of a zip) becomes one `.jsonl` file under
`<corpus>/imported/`, because the live reload fingerprints files: eighteen daily files
reload far faster than 31,000 small ones. Records are checked one by one (a bad record is
rejected with its reason, the others still import), duplicates are dropped by URL or by a
hash of the normalized text (against the existing corpus too), and lines that a source
repeats in many of its articles in the same file (footers, contact lines, datelines) are
stripped before writing. Each written record keeps `original_hash`, the hash of its text
before that stripping, so importing the same file again recognises every article.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from retrieval.add import safe_stem, write_new_file
from retrieval.corpus import (
    MAX_FILE_BYTES,
    ArticleFormatError,
    bulk_records,
    clean_body,
    decode_bytes,
    find_article_files,
    read_file,
    record_fields,
)
from retrieval.formats import Layout, layout_of
from retrieval.import_sources import Rejected as Rejected
from retrieval.import_sources import input_units
from retrieval.normalize import normalize

IMPORT_FOLDER = "imported"
# A line is a source's boilerplate when it appears in at least this many of the source's
# articles in one input file, and in at least this share of them.
BOILERPLATE_MIN_ARTICLES = 5
BOILERPLATE_MIN_SHARE = 0.02
_OUTPUT_FIELDS = ("title", "source", "url", "date", "author", "category")


@dataclass
class FileReport:
    """What importing one input file (or zip member) did."""

    name: str
    written: Path | None = None
    imported: int = 0
    duplicates: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejected] = field(default_factory=list)
    boilerplate: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ImportReport:
    """Totals of one import run, per input file, and how long it took."""

    files: list[FileReport] = field(default_factory=list)
    existing_articles: int = 0
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        """Return how many articles were written into the corpus."""
        return sum(f.imported for f in self.files)

    @property
    def duplicates(self) -> Counter[str]:
        """Return how many articles were dropped as duplicates, by kind (URL or content)."""
        return sum((f.duplicates for f in self.files), Counter())

    @property
    def refused_files(self) -> list[Rejected]:
        """Return the input files or zip members refused as a whole (unreadable, wrong type)."""
        return [r for r in self.rejected if r.record is None]

    @property
    def rejected(self) -> list[Rejected]:
        """Return every rejected file, member or record, with its reason."""
        return [r for f in self.files for r in f.rejected]


@dataclass
class _Candidate:
    number: int
    meta: dict[str, str | None]
    body: str
    content_key: str


class _Seen:
    """URL and content keys of every article already in the corpus or imported so far."""

    def __init__(self) -> None:
        self.urls: set[str] = set()
        self.contents: set[str] = set()

    def duplicate_kind(self, url: str | None, *contents: str) -> str | None:
        """Return "same URL" or "same text" when the article was seen, else None."""
        if url is not None and url_key(url) in self.urls:
            return "same URL"
        if any(content in self.contents for content in contents):
            return "same text"
        return None

    def add(self, url: str | None, *contents: str) -> None:
        if url is not None:
            self.urls.add(url_key(url))
        self.contents.update(contents)


def url_key(url: str) -> str:
    """Return the form of `url` used to recognise the same article: percent-decoded, without
    scheme, `www.`, fragment or trailing slash, host lower-cased."""
    parts = urlsplit(unquote(url.strip()))
    host = parts.netloc.lower().removeprefix("www.")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


def content_key(text: str) -> str:
    """Return a hash of `text` after Arabic normalization and whitespace collapsing, so the
    same article with other diacritics, hamza forms or spacing counts as the same."""
    folded = " ".join(normalize(text).split())
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=16).hexdigest()


def repeated_lines(bodies: Sequence[str]) -> list[str]:
    """Return the lines that appear in at least BOILERPLATE_MIN_ARTICLES of `bodies` and in
    at least BOILERPLATE_MIN_SHARE of them: one source's footers, signatures, datelines."""
    threshold = max(BOILERPLATE_MIN_ARTICLES, math.ceil(BOILERPLATE_MIN_SHARE * len(bodies)))
    counts: Counter[str] = Counter()
    for body in bodies:
        counts.update({line.strip() for line in body.split("\n") if line.strip()})
    return sorted(line for line, count in counts.items() if count >= threshold)


def strip_lines(body: str, lines: set[str]) -> str:
    """Return `body` without the lines whose stripped text is in `lines`."""
    kept = [line for line in body.split("\n") if line.strip() not in lines]
    return "\n".join(kept).strip()


def import_files(
    paths: Sequence[Path],
    corpus_dir: Path,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    on_file: Callable[[FileReport], None] | None = None,
) -> ImportReport:
    """Import the articles of `.json`, `.jsonl` and `.zip` files into `corpus_dir/imported/`.

    Returns what was imported, dropped as duplicate and rejected (with reasons), per input
    file. A bad file, member or record never stops the others. `on_file` is called after
    each input unit, for progress output. The corpus folder is created if needed.
    """
    started = time.perf_counter()
    corpus_dir = Path(corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    seen, existing = _seen_in_corpus(corpus_dir)
    report = ImportReport(existing_articles=existing)
    for name, data in input_units(paths, max_bytes):
        if isinstance(data, Rejected):
            file_report = FileReport(name, rejected=[data])
        else:
            file_report = _import_unit(name, data, corpus_dir / IMPORT_FOLDER, seen)
        report.files.append(file_report)
        if on_file is not None:
            on_file(file_report)
    report.seconds = time.perf_counter() - started
    return report


def _seen_in_corpus(corpus_dir: Path) -> tuple[_Seen, int]:
    """Return the URL and content keys of the articles already in `corpus_dir`, and how many
    there are. Imported records also carry `original_hash`, the key of their text before
    boilerplate stripping, so importing the same file again finds every article."""
    seen = _Seen()
    articles = 0
    for path in find_article_files(corpus_dir):
        contents = read_file(path, corpus_dir)
        articles += len(contents.articles)
        for article in contents.articles:
            seen.add(article.url, content_key(article.text))
        if layout_of(path.suffix) is Layout.JSON_LINES and contents.articles:
            seen.contents.update(_original_hashes(path))
    return seen, articles


def _original_hashes(path: Path) -> Iterator[str]:
    """Yield the `original_hash` fields of the records of an imported `.jsonl` file."""
    try:
        records = bulk_records(path.suffix, decode_bytes(path.read_bytes()))
        for _, record in records:
            if isinstance(record, dict) and isinstance(record.get("original_hash"), str):
                yield record["original_hash"]
    except (OSError, ArticleFormatError):
        return


def _import_unit(name: str, data: bytes, folder: Path, seen: _Seen) -> FileReport:
    """Import the records of one `.json`/`.jsonl` file's bytes; write them as one `.jsonl`."""
    report = FileReport(name)
    suffix = PurePosixPath(name).suffix.lower()
    try:
        records = list(bulk_records(suffix, decode_bytes(data)))
    except ArticleFormatError as exc:
        report.rejected.append(Rejected(name, str(exc)))
        return report
    candidates: list[_Candidate] = []
    batch = _Seen()
    for number, record in records:
        where = f"{name} record {number}"
        if isinstance(record, str):
            report.rejected.append(Rejected(where, record, number))
            continue
        meta, body = record_fields(record)
        body = clean_body(body)
        if not body:
            report.rejected.append(Rejected(where, "no article text", number))
            continue
        key = content_key(body)
        # Copies inside this file are dropped before the line statistics, which they would skew.
        kind = batch.duplicate_kind(meta["url"], key)
        if kind is not None:
            report.duplicates[kind] += 1
            continue
        batch.add(meta["url"], key)
        candidates.append(_Candidate(number, meta, body, key))
    # Learned from the whole file, whatever the corpus already holds, so that importing the
    # same file again strips the same lines and recognises every article.
    by_source: dict[str, list[str]] = defaultdict(list)
    for candidate in candidates:
        by_source[candidate.meta["source"] or ""].append(candidate.body)
    for source, bodies in by_source.items():
        boilerplate = repeated_lines(bodies)
        if boilerplate:
            report.boilerplate[source] = boilerplate
    written = _Seen()  # this file's articles join `seen` only once the file is written
    lines = list(_output_lines(name, candidates, report, seen, written))
    if lines:
        stem = safe_stem(PurePosixPath(name.rsplit(":", 1)[-1]).stem, fallback="imported")
        content = ("\n".join(lines) + "\n").encode("utf-8")
        try:
            report.written, _ = write_new_file(folder, stem, ".jsonl", content)
        except OSError as exc:
            report.imported = 0
            reason = exc.strerror or str(exc)
            report.rejected.append(Rejected(name, f"cannot write into {folder}: {reason}"))
            return report
        seen.urls |= written.urls
        seen.contents |= written.contents
    return report


def _output_lines(
    name: str, candidates: list[_Candidate], report: FileReport, seen: _Seen, written: _Seen
) -> Iterator[str]:
    """Yield the JSON line of each candidate after stripping its source's boilerplate lines,
    dropping the ones already in the corpus or imported before, and the ones left empty."""
    for candidate in candidates:
        boilerplate = set(report.boilerplate.get(candidate.meta["source"] or "", ()))
        body = strip_lines(candidate.body, boilerplate) if boilerplate else candidate.body
        if not body:
            report.rejected.append(
                Rejected(
                    f"{name} record {candidate.number}", "only boilerplate lines", candidate.number
                )
            )
            continue
        key = content_key(body) if body != candidate.body else candidate.content_key
        keys = (candidate.content_key, key)
        url = candidate.meta["url"]
        kind = seen.duplicate_kind(url, *keys) or written.duplicate_kind(url, *keys)
        if kind is not None:
            report.duplicates[kind] += 1
            continue
        written.add(url, *keys)
        record = {k: candidate.meta[k] for k in _OUTPUT_FIELDS if candidate.meta.get(k)}
        record["content"] = body
        record["original_hash"] = candidate.content_key
        report.imported += 1
        yield json.dumps(record, ensure_ascii=False)
