"""Article text → sentence spans with character offsets into that text.

A sentence is the unit a reply shows, so it must be short and whole: it ends at . ! ? ؟ …
or a line break, keeps a closing quote or bracket that follows its full stop, never splits a
decimal (3.5), an initial such as "د." (Dr.) or a Latin initial spelled in Arabic inside a
name ("جون سي. ميسنجر"), and a very long sentence is cut at ، or ؛.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SENTENCE_CHARS = 400

# Terminal punctuation, then any closing quotes/brackets that belong to the same sentence.
_END = re.compile(r"(?:\.\.\.|[.!?؟…])+[\"'”’»)\]]*")
_LINE_BREAK = re.compile(r"\n")
_CLAUSE_BREAK = re.compile(r"[،؛;]")
_HAS_WORD = re.compile(r"[^\W_]")
_DIGIT = re.compile(r"\d")
# Latin letters spelled in Arabic script, as initials of transliterated names are written
# ("جون سي. ميسنجر", "جيمس أو. ماكينزي", "رايموند إس. برادلي").
_LETTER_NAMES = frozenset(
    """إيه أيه ايه بي سي دي إي إف جي إتش اتش آي أي جيه كيه كي إل إم إن أو آر إس تي يو في
    دبليو إكس واي زد""".split()
)
# Letter names that are also Arabic words able to end a sentence ("تليق بي.").
_ALSO_WORDS = frozenset({"بي", "في"})


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence as character offsets into its article text, with its paragraph number."""

    start: int
    end: int
    paragraph: int


def _is_real_end(text: str, match: re.Match[str]) -> bool:
    """Return whether a punctuation match really ends a sentence (not 3.5, not "د. محمد")."""
    start, end = match.start(), match.end()
    if match.group() == ".":
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if _DIGIT.match(before) and _DIGIT.match(after):
            return False
        # A single letter before the full stop is an initial or abbreviation (د. أ. U.S.).
        word_start = start
        while word_start > 0 and not text[word_start - 1].isspace():
            word_start -= 1
        if start - word_start == 1 and text[word_start].isalpha():
            return False
        if _is_initial(text, word_start, start, end):
            return False
    return True


def _is_initial(text: str, word_start: int, stop: int, end: int) -> bool:
    """Return whether the word before a full stop is a spelled Latin initial inside a name.

    It must follow a word that is not a letter name itself ("بي بي سي." ends a sentence)
    and be followed, after a space, by a letter.
    """
    word = text[word_start:stop]
    if word not in _LETTER_NAMES or word in _ALSO_WORDS:
        return False
    if not (end + 1 < len(text) and text[end] == " " and text[end + 1].isalpha()):
        return False
    before = text[:word_start].rstrip()
    previous = before[before.rfind(" ") + 1 :] if before else ""
    return bool(previous) and previous[-1].isalpha() and previous not in _LETTER_NAMES


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cut_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence into pieces of at most about `limit` characters.

    Cuts after ، or ؛ (keeping the comma with the clause it closes); a clause that is still
    too long is cut at the last space before the limit.
    """
    pieces: list[tuple[int, int]] = []
    piece_start = start
    last_break = -1
    for match in _CLAUSE_BREAK.finditer(text, start, end):
        if match.end() - piece_start > limit and last_break > piece_start:
            pieces.append((piece_start, last_break))
            piece_start = last_break
        last_break = match.end()
    if end - piece_start > limit and piece_start < last_break < end:
        pieces.append((piece_start, last_break))
        piece_start = last_break
    pieces.append((piece_start, end))

    result: list[tuple[int, int]] = []
    for p_start, p_end in pieces:
        while p_end - p_start > 2 * limit:
            cut = text.rfind(" ", p_start, p_start + limit)
            if cut <= p_start:
                cut = p_start + limit
            result.append((p_start, cut))
            p_start = cut
        result.append((p_start, p_end))
    return result


def split(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[Span]:
    """Return the sentence spans of `text`, in order, trimmed of surrounding whitespace.

    Pieces with no letter or digit (stray punctuation, bullets) are dropped. `paragraph`
    numbers the non-empty lines, so neighbouring sentences of one paragraph share it.
    """
    spans: list[Span] = []
    paragraph = -1
    line_start = 0
    for line_end in [m.start() for m in _LINE_BREAK.finditer(text)] + [len(text)]:
        if text[line_start:line_end].strip():
            paragraph += 1
            spans.extend(_split_line(text, line_start, line_end, paragraph, max_chars))
        line_start = line_end + 1
    return spans


def _split_line(text: str, start: int, end: int, paragraph: int, max_chars: int) -> list[Span]:
    bounds: list[tuple[int, int]] = []
    piece_start = start
    for match in _END.finditer(text, start, end):
        if _is_real_end(text, match):
            bounds.append((piece_start, match.end()))
            piece_start = match.end()
    bounds.append((piece_start, end))

    spans: list[Span] = []
    for b_start, b_end in bounds:
        b_start, b_end = _trim(text, b_start, b_end)
        if not _HAS_WORD.search(text, b_start, b_end):
            continue
        pieces = (
            _cut_long(text, b_start, b_end, max_chars)
            if b_end - b_start > max_chars
            else [(b_start, b_end)]
        )
        for p_start, p_end in pieces:
            p_start, p_end = _trim(text, p_start, p_end)
            if _HAS_WORD.search(text, p_start, p_end):
                spans.append(Span(p_start, p_end, paragraph))
    return spans
