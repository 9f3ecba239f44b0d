"""The answer-type cue: what kind of answer a question asks for (a date, a number, a
person), and whether a sentence holds one.

متى → a date, كم → a number, «أي عام / ما عدد» likewise; «من» at the head of a question → a
person (a reranker feature). The ranking rewards a sentence holding the wanted kind
(retrieval/ranking.py), the reranker reads it as a feature, and replies underline it
(retrieval/answer_spans.py).
"""

from __future__ import annotations

import itertools
import re
from enum import Enum

from retrieval import analyzer
from retrieval.normalize import normalize


class AnswerType(Enum):
    """What kind of text a question asks for, read from its question word."""

    NUMBER = "number"
    DATE = "date"
    OTHER = "other"


# Stems of the nouns that, after "أي" or "ما", announce a date or a number.
_DATE_NOUNS = frozenset(map(analyzer.stem, "عام سنه تاريخ قرن يوم شهر عقد فتره".split()))
_NUMBER_NOUNS = frozenset(map(analyzer.stem, "عدد نسبه مقدار حجم مبلغ مساحه طول ارتفاع".split()))
# Not في: «في عام 1980» inside a question is context, not what it asks («في أي عام» has أي).
_WHICH = frozenset({"اي", "ايه", "باي", "لاي", "ما", "فما"})


def answer_type(question: str) -> AnswerType:
    """Return the answer type `question` asks for: متى → date, كم → number, else other.

    "أي عام / في أي سنة" asks for a date and "ما عدد / ما هي نسبة" for a number too.
    """
    tokens = analyzer.tokens(question)
    for i, token in enumerate(tokens):
        if token in ("متي", "ومتي", "فمتي"):
            return AnswerType.DATE
        if token in ("كم", "بكم", "وكم", "فكم"):
            return AnswerType.NUMBER
        if token in _WHICH and i + 1 < len(tokens):
            noun = i + 2 if tokens[i + 1] in ("هو", "هي") and i + 2 < len(tokens) else i + 1
            following = analyzer.stem(tokens[noun])
            if following in _DATE_NOUNS:
                return AnswerType.DATE
            if following in _NUMBER_NOUNS:
                return AnswerType.NUMBER
    return AnswerType.OTHER


_WHO = frozenset({"من", "ومن", "فمن"})


def asks_person(tokens: list[str]) -> bool:
    """Return whether a question (its normalized `tokens`) asks who: «من» opening it, or
    «من هو / من هي / من الذي / من التي». Elsewhere «من» is the preposition "from"."""
    if tokens and tokens[0] in _WHO:
        return True
    pairs = itertools.pairwise(tokens)
    return any(a in _WHO and b in ("هو", "هي", "الذي", "التي") for a, b in pairs)


# Number words in normalized form; a prefix و ب ل or the article may come before them.
_NUMBER_WORDS = "|".join(
    """واحد واحده اثنان اثنين اثنتان اثنتين ثلاث ثلاثه ثلاثين ثلاثون اربع اربعه اربعين
    اربعون خمس خمسه خمسين خمسون ست سته ستين ستون سبع سبعه سبعين سبعون ثمان ثماني ثمانيه
    ثمانين ثمانون تسع تسعه تسعين تسعون عشر عشره عشرين عشرون مائه مئه مئات مائتين مئتين الف
    الفين الاف مليون ملايين مليار مليارات نصف ربع ثلث ثلثي ضعف""".split()
)
_NUMBER = re.compile(rf"\d+(?:[.,]\d+)*|(?<!\w)[وبل]?(?:ال)?(?:{_NUMBER_WORDS})(?!\w)")
_MONTHS = (
    "يناير|فبراير|مارس|ابريل|مايو|يونيو|يوليو|اغسطس|سبتمبر|اكتوبر|نوفمبر|ديسمبر|"
    "كانون|شباط|اذار|نيسان|ايار|حزيران|تموز|اب|ايلول|تشرين"
)
_DATE = re.compile(
    rf"(?<!\d)(?<!\d[.,])(?:1\d{{3}}|20\d{{2}})(?!\d|[.,]\d)|(?<!\w)[وفب]?(?:{_MONTHS})(?!\w)|القرن"
)


def has_answer_type(text: str, wanted: AnswerType, question_tokens: frozenset[str]) -> bool:
    """Return whether sentence `text` holds something of the `wanted` type not in the question.

    A number or year that the question itself mentions ("Super Bowl 50") is no evidence.
    """
    if wanted is AnswerType.OTHER:
        return False
    pattern = _DATE if wanted is AnswerType.DATE else _NUMBER
    folded = normalize(text)
    return any(m.group().strip() not in question_tokens for m in pattern.finditer(folded))


def answer_type_pattern(wanted: AnswerType) -> re.Pattern[str] | None:
    """Return the pattern `has_answer_type` looks for in normalized text (None for OTHER).

    Exists so that replies can show where the cue is (retrieval/answer_spans.py).
    """
    return {AnswerType.DATE: _DATE, AnswerType.NUMBER: _NUMBER}.get(wanted)
