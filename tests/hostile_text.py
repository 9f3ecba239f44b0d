"""Hostile text for property tests: what anyone on Telegram can send, or put in an article.

The strategies mix arbitrary Unicode with the characters that break naive code: HTML and
Markdown control characters, bidirectional and zero-width marks, lone combining marks, NUL,
emoji sequences, and very long strings. The `check_*` functions state what must hold for any
such input; the suite runs them a few hundred times (tests/test_hostile_input.py) and
benchmarks/hostile_input.py runs them many more times and reports the count.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from bot import replies
from retrieval.corpus import Article
from retrieval.search import Hit, Retriever
from tests.telegram_html import parse_telegram_html, utf16_len

TELEGRAM_LIMIT = 4096
LONG_TEXT = 10_000

NASTY_FRAGMENTS = (
    "<b>",
    "</b>",
    "<i>",
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    "&",
    "&amp;",
    "&lt;",
    "&#0;",
    "&nbsp;",
    "<",
    ">",
    '"',
    "'",
    "*",
    "_",
    "~",
    "`",
    "```",
    "[",
    "](http://x)",
    "\\",
    "|",
    "#",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\n",
    "\r\n",
    "\t",
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u202a",  # LRE
    "\u202b",  # RLE
    "\u202c",  # PDF
    "\u202d",  # LRO
    "\u202e",  # RLO
    "\u2066",  # LRI
    "\u2067",  # RLI
    "\u2069",  # PDI
    "\u061c",  # Arabic letter mark
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    "\u0651",  # shadda, alone
    "\u064b\u064c\u064d",  # tanwin marks, alone
    "\u0670",  # superscript alef
    "\u0301",  # combining acute accent
    "\u0640\u0640\u0640",  # tatweel
    "\ufdfa",  # ligature sallallahu alayhi wasallam
    "\ufefb",  # lam-alef presentation form
    "٠١٢٣",
    "😀",
    "👨‍👩‍👧‍👦",
    "🇸🇦",
    "🏳️‍🌈",
    "𝕏",
    "/start",
    "/ask",
    "@arabic_qa_test_bot",
    "https://example.com/?a=1&b=<2>",
    "ﷺ",
    "  ",
)

_ARABIC_WORDS = (
    "الأمن",
    "الرقمي",
    "الرئيس",
    "الصيني",
    "الولايات",
    "المتحدة",
    "القرصنة",
    "الجريمة",
    "الإلكترونية",
    "جاك",
    "ما",
    "ماذا",
    "قال",
    "عن",
    "في",
    "من",
    "سياتل",
    "الشركات",
    "التقنية",
)

nasty_fragment = st.sampled_from(NASTY_FRAGMENTS)
arabic_word = st.sampled_from(_ARABIC_WORDS)
any_unicode = st.text(st.characters(codec="utf-8"), max_size=300)
mixed_text = st.lists(
    st.one_of(nasty_fragment, arabic_word, any_unicode, st.just(" ")), max_size=40
).map("".join)
long_text = st.builds(
    lambda piece, n: (piece * n)[:LONG_TEXT],
    st.one_of(nasty_fragment, arabic_word, st.text(min_size=1, max_size=5)),
    st.integers(min_value=1_000, max_value=LONG_TEXT),
)
hostile_text = st.one_of(any_unicode, mixed_text, long_text)
"""Any text a user could send: valid Unicode (Telegram delivers UTF-8), often hostile."""


@st.composite
def hostile_articles(draw: st.DrawFn) -> Article:
    """An article whose every field may be hostile (None where the field is optional)."""
    optional = st.one_of(st.none(), hostile_text)
    return Article(
        id=draw(st.text(min_size=1, max_size=20)),
        title=draw(hostile_text),
        text=draw(hostile_text),
        path=draw(st.text(max_size=40)),
        source=draw(optional),
        url=draw(st.one_of(optional, st.just("https://example.com/a?x=1&y=<2>"))),
        date=draw(optional),
        category=draw(optional),
        author=draw(optional),
    )


@st.composite
def hostile_hits(draw: st.DrawFn) -> Hit:
    """A search hit over hostile text, with arbitrary (even out-of-range) highlight spans."""
    text = draw(hostile_text)
    bound = len(text) + 5
    spans = draw(
        st.lists(
            st.tuples(st.integers(-5, bound), st.integers(-5, bound)),
            max_size=12,
        )
    )
    context = st.one_of(st.none(), hostile_text)
    return Hit(
        text=text,
        score=draw(st.floats(min_value=0, max_value=1e6)),
        start=0,
        end=len(text),
        article=draw(hostile_articles()),
        sentence=draw(st.integers(0, 10_000)),
        matched_terms=tuple(draw(st.lists(st.text(max_size=10), max_size=4))),
        highlights=tuple(spans),
        context_before=draw(context),
        context_after=draw(context),
    )


def article_meta(article: Article) -> dict[str, str | None]:
    """Return the metadata fields of `article` as `make_article`'s `meta` mapping."""
    fields = ("title", "source", "url", "date", "category", "author")
    return {name: getattr(article, name) for name in fields}


def assert_valid_reply(message: str) -> None:
    """Fail unless `message` is valid Telegram HTML with 1..4096 visible UTF-16 units."""
    parsed = parse_telegram_html(message)  # raises TelegramHtmlError when Telegram would
    assert parsed.text.strip(), f"empty message: {message!r}"
    assert utf16_len(parsed.text) <= TELEGRAM_LIMIT, f"{utf16_len(parsed.text)} > 4096"


def check_question(retriever: Retriever, question: str, top_k: int = 3) -> None:
    """Search for `question` and render every reply the bot can build from the result."""
    hits = retriever.search(question, top_k=top_k)
    assert len(hits) <= top_k
    check_rendering(question, hits)
    more = retriever.search(question, top_k=top_k, offset=top_k)
    check_rendering(question, more, offset=top_k)


def check_rendering(question: str, hits: Sequence[Hit], offset: int = 0) -> None:
    """Render the answer, each inline result and the no-answer reply; all must be valid."""
    answer = replies.answer_message(question, hits, offset)
    assert_valid_reply(answer.text)
    assert 0 <= answer.shown <= len(hits)
    if hits:
        assert answer.shown >= 1, "a question with hits must show at least one"
    for hit in hits:
        assert_valid_reply(replies.inline_answer(hit))
    assert_valid_reply(replies.no_answer_message(question))
    assert_valid_reply(replies.question_header(question))
