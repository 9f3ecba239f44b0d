"""Text → index terms: normalize, tokenize, drop stopwords, light-stem.

The same `terms` function runs at index time and at question time. `ANALYZER_VERSION`
is stored with a persisted index; bump it on any change here so old indexes are rebuilt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from retrieval.normalize import normalize

ANALYZER_VERSION = "8"  # 8: near-duplicate clusters in the index (retrieval/dedup.py)

# A token is a number (with an optional decimal part: 3.5, 1,000) or a run of letters.
# Latin and Arabic letters are separate runs, so "cnnالعربية" gives two tokens.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+|[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff]+")

# Stopwords, written in normalized form (ة→ه, ى→ي, no hamza on alef).
# Includes the question words, also with an attached preposition (بماذا، عمّا، لمن), and
# the words that frame a question (اذكر، أعطِ، الشيء الذي، ما اسم), which the answer seldom
# repeats, and the question words with و or ف attached (ومتى، فكم).
# Not علي: على folds into it, but it is also a name (علي بابا), and its low idf already
# makes the preposition weigh little.
_STOPWORDS_TEXT = """
ما ماذا متي اين كيف لماذا هل كم من اي ايه ايها ايان انى
في الي عن مع منذ حتي لدي عند بين خلال ضد نحو حول دون غير سوي مثل بعد قبل فوق تحت
امام خلف اثناء عبر لكن بل او ام ثم كما لان اذ اذا اذن ان انه انها انهم لن لم لا لقد قد
كان كانت كانوا يكون تكون اصبح اصبحت ليس ليست هو هي هم هن هما انت انتم نحن انا
هذا هذه هذان هاتان هولاء ذلك تلك اولئك هناك هنا الذي التي الذين اللذان اللتان اللاتي اللواتي
كل بعض جميع ايضا فقط حيث بينما كذلك عندما وقد وكان وكانت وهو وهي ولا ولم وفي ومن والتي والذي
وان وانه يا اما الا ولكن فان فقد فيه فيها منه منها عليه عليها اليه له لها
لهم به بها بهم عنه عنها وهذا وهذه تم يتم ذات ذو وما ومع وعلي والي وعن وبين
ضمن الان لك وكل فهو فهي اليها اليهم عليهم فيهم منهم عنهم بشكل
بماذا لماذا عما مما فيما بما لما ممن لمن بمن عمن باي لاي باية ماسم ماهو ماهي
اذكر اعط اعطي شيء الشيء اسم
ومتي واين وكيف ولماذا وهل وكم واي وماذا فمتي فاين فكيف فلماذا فهل فكم فماذا فمن
لديه لديها لديهم لدينا
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORDS_TEXT.split())

# The definite article with the particles that attach before it (و ف ب ك ل), longest first.
_ARTICLES = ("وال", "فال", "بال", "كال", "لل", "ال")
# Possessive pronouns of two or more letters (a final ه is ambiguous with ة and is a suffix).
_PRONOUNS = ("هما", "هم", "هن", "ها", "كم", "نا")
# Dual, plural, relative-adjective and feminine endings, tried in this order, each once.
_SUFFIXES = ("ان", "ات", "ون", "ين", "يه", "يا", "ه", "ي")
# The prepositions ب and ل written as one word with a noun (لأطروحة, بفريستها).
_PARTICLES = "بل"
_PARTICLE_MIN_STEM = 5
_MIN_STEM = 2


@lru_cache(maxsize=500_000)
def stem(word: str) -> str:
    """Return the light stem of a normalized Arabic `word` (Latin and digits pass through).

    Light10 (Larkey et al.; Lucene's ArabicStemmer) extended where it misses common clitics:
    a leading و; the definite article with its prefixes; a possessive pronoun, restoring ة
    written as ت before it (أطروحته), or else the accusative alef of tanween on words of five
    letters or more (فريقاً, not بابا); the usual suffixes; finally attached ب or ل while five
    letters or more remain. That last step runs whatever came before, so بريطانيا, لبريطانيا
    and البريطانية keep meeting. Other steps leave at least two letters (three after a
    pronoun), so stems stay recognisable.
    """
    if not word or word[0] < "\u0621":
        return word
    if len(word) >= 4 and word[0] == "و":
        word = word[1:]
    for article in _ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= _MIN_STEM:
            word = word[len(article) :]
            break
    for pronoun in _PRONOUNS:
        if word.endswith(pronoun) and len(word) - len(pronoun) >= 3:
            word = _feminine_t(word[: -len(pronoun)])
            break
    else:
        if len(word) >= 5 and word.endswith("ته") and not word.endswith("اته"):
            word = word[:-2]
        elif len(word) >= 5 and word[-1] == "ا":
            word = word[:-1]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            word = word[: -len(suffix)]
    for _ in range(2):  # لبريطانيا: ل, then the ب every form of بريطانيا loses
        if len(word) >= _PARTICLE_MIN_STEM and word[0] in _PARTICLES:
            word = word[1:]
    return word


def _feminine_t(word: str) -> str:
    """Return `word` without a final ت that stands for ة before a pronoun (not plural ات)."""
    if len(word) >= 4 and word[-1] == "ت" and word[-2] != "ا":
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Return the normalized surface tokens of `text`, stopwords included, not stemmed."""
    return _TOKEN.findall(normalize(text))


def is_stopword(token: str) -> bool:
    """Return whether a normalized token carries no content for retrieval."""
    return token in STOPWORDS or (len(token) < 2 and not token.isdigit())


def terms(text: str) -> list[str]:
    """Return the index terms of `text`: normalized, tokenized, stopwords dropped, stemmed.

    This is the one analysis used both for passages at index time and for questions.
    """
    return [stem(tok) for tok in tokens(text) if not is_stopword(tok)]


@dataclass(frozen=True, slots=True)
class TermSpan:
    """An index term and the character span of the word it came from, in the original text."""

    term: str
    start: int
    end: int


# A raw word in un-normalized text: letters, digits, combining marks, tatweel and joiners.
_RAW_WORD = re.compile(
    r"[0-9\u0660-\u0669\u06f0-\u06f9]+(?:[.,][0-9\u0660-\u0669\u06f0-\u06f9]+)+|(?:[^\W_]|[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d])+"
)


def term_spans(text: str) -> list[TermSpan]:
    """Return every index term of `text` with the span of its word in `text` itself.

    Exists so that replies can highlight the words of a sentence that matched a question
    without re-deriving offsets from normalized text (normalization changes lengths).
    """
    spans: list[TermSpan] = []
    for match in _RAW_WORD.finditer(text):
        for term in _word_terms(match.group()):
            spans.append(TermSpan(term, match.start(), match.end()))
    return spans


@lru_cache(maxsize=200_000)
def _word_terms(word: str) -> tuple[str, ...]:
    """Return the index terms of one raw word (cached: replies highlight the same words)."""
    return tuple(terms(word))
