"""Bytes of an article file → text: encoding detection, binary refusal, control characters.

A file is binary only for NUL bytes or more than a tenth of control characters at its
start; fewer stray ones (SaudiNewsNet has articles with U+001A between paragraphs) are
replaced by spaces by `clean_controls`, which every parser applies (retrieval/corpus.py).
"""

from __future__ import annotations

import codecs
import re

# Counted to tell binary data from text; a file is binary above _BINARY_SHARE of them.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_BINARY_SHARE = 0.10
# Replaced by a space in article text and metadata: C0 (but tab and line breaks), DEL, C1.
_STRAY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BINARY_SAMPLE_CHARS = 65536


class ArticleFormatError(ValueError):
    """An article file is readable but not in a supported layout."""


def decode_bytes(data: bytes) -> str:
    """Return `data` decoded as text: UTF-8 (with or without BOM), UTF-16 with a BOM,
    Windows-1256, or another encoding charset-normalizer recognises.

    Windows-1256 is tried before the general detector whenever the bytes are not UTF-8,
    because on short Arabic texts detectors often pick a wrong code page; it is kept only
    when nearly all of the non-ASCII letters it yields are Arabic. Raises ArticleFormatError
    for binary or undecodable data.
    """
    try:
        if data.startswith(codecs.BOM_UTF8):
            return _checked_text(data[len(codecs.BOM_UTF8) :].decode("utf-8"))
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return _checked_text(data.decode("utf-16"))
    except UnicodeDecodeError as exc:
        raise ArticleFormatError(f"invalid {exc.encoding} text at byte {exc.start}") from exc
    if b"\x00" in data:
        raise ArticleFormatError("binary file (NUL bytes), not text")
    from charset_normalizer import from_bytes  # slow to import: only for odd encodings

    try:
        return _checked_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    as_cp1256 = data.decode("cp1256", errors="replace")
    if _mostly_arabic(as_cp1256[:_BINARY_SAMPLE_CHARS]):
        return _checked_text(as_cp1256)

    best = from_bytes(data).best()
    if best is None:
        raise ArticleFormatError("undecodable bytes: not UTF-8, UTF-16 or Windows-1256 text")
    return _checked_text(str(best))


def _mostly_arabic(text: str) -> bool:
    """True when at least 95% of the non-ASCII letters of `text` are Arabic letters."""
    letters = [c for c in text if ord(c) > 127 and c.isalpha()]
    if not letters:
        return False
    arabic = sum(1 for c in letters if "\u0600" <= c <= "\u06ff")
    return arabic >= 0.95 * len(letters)


def _checked_text(text: str) -> str:
    """Return `text`, or raise ArticleFormatError when over a tenth of its start is control
    characters (a binary file that happens to decode); a few stray ones are cleaned later."""
    sample = text[:_BINARY_SAMPLE_CHARS]
    controls = len(_CONTROL_CHARS.findall(sample))
    if controls > max(2, len(sample) * _BINARY_SHARE):
        raise ArticleFormatError("binary file (control characters), not text")
    return text


def clean_controls(text: str) -> str:
    """Return `text` with stray control characters replaced by spaces (tab, line feed and
    carriage return kept), so that a stray U+001A never costs an article."""
    return _STRAY_CONTROLS.sub(" ", text)
