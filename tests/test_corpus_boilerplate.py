"""Site boilerplate removed at read time by the built-in patterns (per file, data-free)."""

from __future__ import annotations

import pytest

from retrieval.corpus import clean_body

NEWS = "أعلنت الوزارة نتائج القبول اليوم."


@pytest.mark.parametrize(
    "line",
    [
        "زر الذهاب إلى الأعلى",
        "زر الذهاب الى الاعلى",
        "رابط الخبر بصحيفة الوئام: الأسهم السعودية تغلق على ارتفاع",
        "// انتهى //",
        "//انتهى//",
        "// يتبع //",
        "انتهى",
        "اقرأ أيضاً:",
        "شارك هذا المقال",
        "14:35 ت م",
        "10:05 ص",
        "2015-07-21 02:51:32",
        "2015/07/21",
        "  11:20  ",
    ],
)
def test_boilerplate_line_is_dropped(line: str) -> None:
    assert clean_body(f"{NEWS}\n{line}\n") == NEWS


@pytest.mark.parametrize(
    "line",
    [
        "انتهى الاجتماع إلى اتفاق على خفض الإنتاج.",
        "بدأت الجلسة في الساعة 10:30 صباحاً.",
        "رابط الخبر منشور في الموقع الرسمي للوزارة.",
        "زر الذهاب إلى الأعلى هو زر في المواقع.",
    ],
)
def test_news_sentences_with_the_same_words_are_kept(line: str) -> None:
    assert clean_body(f"{NEWS}\n{line}") == f"{NEWS}\n{line}"


def test_end_marker_at_the_end_of_a_text_line_is_cut() -> None:
    assert clean_body(f"{NEWS} // انتهى //\n14:35 ت م") == NEWS


def test_line_ends_are_unified_and_outer_blank_lines_dropped() -> None:
    assert clean_body(f"\r\n{NEWS}\r\n\r\nفقرة ثانية.  \r\n\n") == f"{NEWS}\n\nفقرة ثانية."
