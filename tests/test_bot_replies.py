"""bot/replies.py: escaping, highlighting, attribution and the 4,096-character limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import replies
from retrieval.corpus import Article, SkippedFile
from retrieval.search import CorpusStats, Hit
from tests.telegram_html import parse_telegram_html, utf16_len


def article(**fields: str | None) -> Article:
    values = {"id": "a1", "title": "عنوان المقال", "text": "", "path": "a1.md", **fields}
    return Article(**values)  # type: ignore[arg-type]


def hit(text: str, highlights: tuple[tuple[int, int], ...] = (), **fields: object) -> Hit:
    values: dict = {
        "text": text,
        "score": 1.0,
        "start": 0,
        "end": len(text),
        "article": article(),
        "sentence": 0,
        "matched_terms": (),
        "highlights": highlights,
        **fields,
    }
    return Hit(**values)


def test_matched_words_are_bold_and_everything_else_escaped() -> None:
    text = "قال <b>جاك</b> & ما"
    start = text.index("جاك")
    html = replies.highlight(text, [(start, start + 3)])
    assert html == "قال &lt;b&gt;<b>جاك</b>&lt;/b&gt; &amp; ما"


def test_overlapping_and_out_of_range_highlights_merge_and_clip() -> None:
    assert replies.highlight("abcdef", [(0, 2), (1, 4), (5, 99), (3, 2)]) == "<b>abcd</b>e<b>f</b>"


def test_attribution_links_http_titles_and_lists_source_date_category() -> None:
    line = replies.attribution(
        article(
            title="عنوان & <i>",
            url="https://example.com/a?x=1&y=2",
            source="sabq",
            date="2015-07-21",
            category="اقتصاد",
        )
    )
    assert line == (
        '📰 <a href="https://example.com/a?x=1&amp;y=2">عنوان &amp; &lt;i&gt;</a>'
        " · sabq · 2015-07-21 · اقتصاد"
    )


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x", "", None])
def test_titles_are_not_linked_to_non_http_urls(url: str | None) -> None:
    line = replies.attribution(article(url=url))
    assert "<a" not in line and "عنوان المقال" in line


def test_answer_shows_the_question_ranks_context_and_is_valid_html() -> None:
    hits = [
        hit("الجملة الأولى.", context_before="قبلها <x>.", context_after="بعدها & هكذا."),
        hit("الجملة الثانية."),
    ]
    answer = replies.answer_message("سؤال <script>؟", hits, offset=3)
    assert answer.shown == 2
    assert answer.text.startswith("❓ <b>سؤال &lt;script&gt;؟</b>")
    assert (
        "<b>4.</b> <i>قبلها &lt;x&gt;.</i> الجملة الأولى. <i>بعدها &amp; هكذا.</i>" in answer.text
    )
    assert "<b>5.</b> الجملة الثانية." in answer.text
    parse_telegram_html(answer.text)


def test_the_question_can_be_read_back_from_an_answers_visible_text() -> None:
    answer = replies.answer_message("سؤال\nعلى سطرين <b>", [hit("جواب.")])
    visible = parse_telegram_html(answer.text).text
    assert replies.question_from_answer(visible) == "سؤال على سطرين <b>"
    assert replies.question_from_answer("نص آخر") is None


def test_no_hits_give_the_helpful_message() -> None:
    answer = replies.answer_message("سؤال", [])
    assert answer.shown == 0 and "لم أجد" in answer.text and "/help" in answer.text


def test_hits_that_do_not_fit_are_left_out_whole_and_not_counted() -> None:
    long_sentences = [hit("كلمة " * 280) for _ in range(10)]
    answer = replies.answer_message("سؤال", long_sentences)
    assert 1 <= answer.shown < 10
    assert utf16_len(answer.text) <= replies.MESSAGE_LIMIT
    assert answer.text.count("📰") == answer.shown
    parse_telegram_html(answer.text)


@pytest.mark.parametrize("piece", ["&", "<", "'", "😀", "ب", "<b>&amp;</b>"])
def test_one_huge_hit_is_shortened_before_escaping_never_inside_an_entity(piece: str) -> None:
    text = piece * 9000
    huge = hit(
        text,
        highlights=((0, 3), (8990, 9000)),
        context_after=piece * 5000,
        article=article(title=text, source=text, category=text),
    )
    answer = replies.answer_message(text, [huge])
    assert answer.shown == 1
    assert utf16_len(answer.text) <= replies.MESSAGE_LIMIT
    parse_telegram_html(answer.text)
    inline = replies.inline_answer(huge)
    assert utf16_len(inline) <= replies.MESSAGE_LIMIT
    parse_telegram_html(inline)


def test_help_lists_examples_and_stays_valid() -> None:
    text = replies.help_message(["ماذا قيل عن <b>الأمن</b>؟"], articles=12)
    assert "12 مقالة" in text and "ماذا قيل عن &lt;b&gt;الأمن&lt;/b&gt;؟" in text
    parse_telegram_html(text)


def test_example_questions_come_from_titles_spread_over_the_corpus() -> None:
    articles = [article(id=str(n), title=f"عنوان رقم {n} عن شيء") for n in range(9)]
    examples = replies.example_questions(articles, count=3)
    assert examples == [
        "ماذا قيل عن عنوان رقم 0 عن شيء؟",
        "ماذا قيل عن عنوان رقم 3 عن شيء؟",
        "ماذا قيل عن عنوان رقم 6 عن شيء؟",
    ]


def test_sources_and_stats_messages_escape_names_and_list_skipped_files() -> None:
    stats = CorpusStats(
        articles=3,
        sentences=40,
        vocabulary=500,
        sources={"sabq": 2, "—": 1, "<evil>": 1},
        skipped=(SkippedFile("bad <1>.jsonl", "line 3: not JSON & broken"),),
    )
    sources = replies.sources_message(stats)
    assert "sabq: 2" in sources and "&lt;evil&gt;: 1" in sources and "دون مصدر مذكور: 1" in sources
    parse_telegram_html(sources)
    at = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    text = replies.stats_message(stats, at, 0.25, "OSError: disk <full>")
    assert "المقالات: 3" in text and "2026-11-28 15:00:00 UTC" in text
    assert "<code>bad &lt;1&gt;.jsonl</code>: line 3: not JSON &amp; broken" in text
    assert "OSError: disk &lt;full&gt;" in text
    parse_telegram_html(text)


def test_huge_admin_reports_are_cut_between_lines() -> None:
    skipped = tuple(SkippedFile(f"{'ملف' * 60}{n}.txt", "سبب " * 80) for n in range(500))
    stats = CorpusStats(articles=1, sentences=1, vocabulary=1, sources={}, skipped=skipped)
    text = replies.stats_message(stats, None, None, None)
    assert utf16_len(text) <= replies.MESSAGE_LIMIT
    parse_telegram_html(text)
    names = tuple(f"<{n}>.md" for n in range(500))
    report = replies.reload_message(True, 9, 99, names, names, names, 1.5, None)
    assert "أضيف" in report and "و490 غيرها" in report
    parse_telegram_html(report)


def test_upload_replies_escape_file_names() -> None:
    added = replies.upload_added_message("<x>.md", "عنوان & آخر", 1, 10)
    assert "<code>&lt;x&gt;.md</code>" in added and "عنوان &amp; آخر" in added
    parse_telegram_html(added)
    refused = replies.upload_refused_message("a&b.txt", "file is not UTF-8 <text>")
    assert "a&amp;b.txt" in refused and "&lt;text&gt;" in refused
    parse_telegram_html(refused)


@pytest.mark.parametrize(
    "text",
    [
        replies.RATE_LIMITED,
        replies.APOLOGY,
        replies.NOT_ALLOWED,
        replies.QUESTION_GONE,
        replies.NO_MORE,
    ],
)
def test_texts_shown_as_button_alerts_fit_telegrams_200_characters(text: str) -> None:
    assert 0 < len(text) <= 200


def test_questions_up_to_the_longest_allowed_are_read_back_whole() -> None:
    question = " ".join(["سؤال"] * 199)  # 995 characters
    answer = replies.answer_message(question, [hit("جواب.")])
    visible = parse_telegram_html(answer.text).text
    assert replies.question_from_answer(visible) == question
