"""Where the answer is in a sentence: the number, date or name a «كم / متى / من» question wants.

`answer_spans(text, kind, question_tokens)` returns the character spans, in the sentence as
written, that replies underline besides the bold matched words. Numbers and dates are what
the ranking's answer-type cue looks for (`answer_type.answer_type_pattern`); a person is found by
a deliberately simple heuristic: the name after a title such as الرئيس، الملك، الشيخ، د. When
unsure there is no span: an underline must point at the answer or not be there at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum

from retrieval import analyzer
from retrieval.answer_type import AnswerType, answer_type, answer_type_pattern
from retrieval.normalize import normalize


class AnswerKind(Enum):
    """What a question asks for, as far as a reply can point at it."""

    NUMBER = "number"
    DATE = "date"
    PERSON = "person"
    OTHER = "other"


# «من» that asks "who", unless the next word makes it the preposition "from" (من أين، من بين).
_WHO = frozenset({"من", "ومن", "فمن", "لمن", "بمن"})
_NOT_WHO_NEXT = frozenset(
    """اين اي ايه بين خلال ضمن اجل قبل بعد حيث كم ماذا متي اجل اهم اكثر اول ابرز
    الممكن المتوقع المفترض المقرر شان""".split()
)
# Titles before a person's name, normalized (ة→ه, no hamza); «د» is «د.».
_TITLES = frozenset(
    normalize(word)
    for word in """الامير الاميره الملك الملكه الشيخ الشيخه الدكتور الدكتوره د الرئيس الرئيسه الوزير
    الوزيره السيد السيده الامام الاستاذ المهندس اللواء العميد العقيد الفريق المشير
    السفير النائب المستشار القاضي البابا""".split()
)
# Words that join the parts of one name: محمد بن سلمان، عبد الله، أبو بكر، آل سعود.
_NAME_JOINERS = frozenset({"بن", "ابن", "بنت", "ابو", "ابي", "عبد", "ال", "اب"})
# Common reporting verbs that follow a name in news («قال الرئيس أوباما إن…»): not a surname.
_VERBS = frozenset(
    normalize(word)
    for word in """قال اكد اعلن اضاف اوضح اشار اعتبر شدد دعا اعرب بحث زار يزور التقي استقبل افتتح
    ترأس راس وصل غادر وقع يقول يري صرح كشف طالب""".split()
)
_MAX_NAME_WORDS = 6
_MAX_ADJECTIVES = 2
_MAX_PLAIN_WORDS = 3  # given name and up to two more (خوان مانويل سانتوس)
_WORD = re.compile(r"\S+")


def answer_kind(question: str) -> AnswerKind:
    """Return what `question` asks for: كم → number, متى → date, من → person, else other."""
    wanted = answer_type(question)
    if wanted is AnswerType.NUMBER:
        return AnswerKind.NUMBER
    if wanted is AnswerType.DATE:
        return AnswerKind.DATE
    tokens = analyzer.tokens(question)
    if len(tokens) >= 2 and tokens[0] in _WHO and tokens[1] not in _NOT_WHO_NEXT:
        return AnswerKind.PERSON
    return AnswerKind.OTHER


def answer_spans(
    text: str,
    kind: AnswerKind,
    question_tokens: frozenset[str],
    near: Sequence[tuple[int, int]] = (),
) -> tuple[tuple[int, int], ...]:
    """Return the (start, end) spans of `text` that hold what a `kind` question asks for.

    Spans are in `text` as written (not normalized), sorted and not overlapping; a number,
    date or name the question itself mentions («كم عدد ضحايا زلزال 1990؟») is left out.
    When several are found and `near` (the words that matched the question) is given, only
    the one closest to those words is kept: a sentence listing five figures answers a
    question about the one beside its words. A «كم» answer is not a year unless the
    sentence holds nothing else.
    """
    spans = _candidates(text, kind, question_tokens)
    if len(spans) > 1 and near:
        spans = (min(spans, key=lambda span: min(_distance(span, n) for n in near)),)
    return spans


def _distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Return the number of characters between two spans (0 when they touch or overlap)."""
    return max(0, b[0] - a[1], a[0] - b[1])


def _candidates(
    text: str, kind: AnswerKind, question_tokens: frozenset[str]
) -> tuple[tuple[int, int], ...]:
    """Return every span of `text` of the `kind` asked for (see `answer_spans`)."""
    if kind is AnswerKind.PERSON:
        return _person_spans(text, question_tokens)
    wanted = {AnswerKind.NUMBER: AnswerType.NUMBER, AnswerKind.DATE: AnswerType.DATE}.get(kind)
    pattern = answer_type_pattern(wanted) if wanted is not None else None
    if pattern is None:
        return ()
    folded, origin = _folded(text)
    spans = [
        (origin[m.start()], origin[m.end() - 1] + 1)
        for m in pattern.finditer(folded)
        if m.group().strip() and m.group().strip() not in question_tokens
    ]
    if kind is AnswerKind.NUMBER:
        spans = [s for s in spans if not _YEAR.fullmatch(normalize(text[s[0] : s[1]]))] or spans
    if kind is AnswerKind.DATE:
        spans += _days_before(text, spans)
        spans += [(origin[m.start()], origin[m.end() - 1] + 1) for m in _WEEKDAY.finditer(folded)]
    return _merged(text, spans)


def _folded(text: str) -> tuple[str, list[int]]:
    """Return `text` normalized character by character, and each folded character's origin."""
    pieces: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        folded = normalize(char)
        pieces.append(folded)
        origin.extend([i] * len(folded))
    return "".join(pieces), origin


# «متى» is often answered by a weekday in news («يوم الثلاثاء»): shown, though not a ranking cue.
_WEEKDAY = re.compile(r"(?<!\w)(?:يوم\s+)?(?:ال)?(?:احد|اثنين|ثلاثاء|اربعاء|خميس|جمعه|سبت)(?!\w)")
_YEAR = re.compile(r"1\d{3}|20\d{2}")
_DAY = re.compile(r"(?<![\d.,])([0-3]?\d)\s+$")


def _days_before(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the spans of day numbers written just before a date span («15 مارس»)."""
    days = []
    for start, _ in spans:
        match = _DAY.search(text, max(0, start - 4), start)
        if match:
            days.append(match.span(1))
    return days


def _merged(text: str, spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Return `spans` sorted, with overlapping ones and those only spaces apart joined."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1] : start].strip()):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def _person_spans(text: str, question_tokens: frozenset[str]) -> tuple[tuple[int, int], ...]:
    """Return the spans of names written after a title and not named in the question.

    After the title, adjectives with ال (الرئيس *الصيني* شي جينبينغ) are skipped; the name is
    its first word without ال, then words joined by بن/عبد/أبو…, and at most one more plain
    word that is not a reporting verb. A word followed by punctuation ends the name.
    """
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if _bare(words[i][2]) not in _TITLES:
            i += 1
            continue
        name = _name_after(words, i + 1)
        if name is not None:
            first, last = name
            if not any(_bare(w[2]) in question_tokens for w in words[first : last + 1]):
                spans.append((words[first][0], _strip_end(words[last][0], words[last][2])))
            i = last + 1
        else:
            i += 1
    return tuple(spans)


def _name_after(words: list[tuple[int, int, str]], i: int) -> tuple[int, int] | None:
    """Return (first, last) word positions of the name starting at or after `i`, or None."""
    title = i - 1
    while (
        i < len(words)
        and i - title <= _MAX_ADJECTIVES
        and _bare(words[i][2]).startswith("ال")
        and not _ends(words[i - 1][2])
    ):
        i += 1  # «الرئيس الصيني»: adjectives between the title and the name
    if i >= len(words) or _ends(words[i - 1][2]) or not _name_word(words[i][2]):
        return None
    if _prepositional(_bare(words[i][2])):
        return None  # «الرئيس التنفيذي لشركة…»: the title goes on, no name yet
    first = last = i
    plain_words = 1
    while (
        last + 1 < len(words) and last - first + 1 < _MAX_NAME_WORDS and not _ends(words[last][2])
    ):
        word = _bare(words[last + 1][2])
        if _bare(words[last][2]) in _NAME_JOINERS or word in _NAME_JOINERS:
            last += 1
        elif (
            plain_words < _MAX_PLAIN_WORDS
            and _name_word(words[last + 1][2])
            and not word.startswith("و")  # «كاثي والرئيس»: و joins another phrase
            and not (plain_words == 2 and word[0] in "بلفك")  # «زيمبا بوضع»: a preposition
        ):
            last += 1
            plain_words += 1
        else:
            break
    if _bare(words[last][2]) in _NAME_JOINERS:
        last -= 1
    return first, last


def _bare(word: str) -> str:
    """Return a written word normalized and without surrounding punctuation."""
    tokens = analyzer.tokens(word)
    return tokens[0] if len(tokens) == 1 else normalize(word).strip(".,،؛:!?؟\"'«»()")


def _name_word(word: str) -> bool:
    """Return whether `word` can start or continue a name: Arabic letters, no ال, no stopword."""
    bare = _bare(word)
    return (
        len(bare) >= 2
        and "\u0621" <= bare[0] <= "\u064a"
        and not bare.startswith("ال")
        and not analyzer.is_stopword(bare)
        and bare not in _VERBS
        and bare.removeprefix("و") not in _VERBS
        and bare not in _TITLES
    )


def _prepositional(bare: str) -> bool:
    """Return whether a word looks like ل/ب before a feminine or plural noun (لشركة، بعمليات)."""
    return len(bare) >= 5 and bare[0] in "لب" and bare.endswith(("ه", "ات"))


def _ends(word: str) -> bool:
    """Return whether punctuation after `word` ends a name (a full stop after «د» does not)."""
    return word[-1] in '.,،؛:!?؟"»)' and _bare(word) != "د"


def _strip_end(start: int, word: str) -> int:
    """Return the end offset of `word` (starting at `start`) without trailing punctuation."""
    return start + len(word.rstrip(".,،؛:!?؟\"'»)"))
