"""The light stemmer: one row per rule, and the variants of a word that must meet."""

from __future__ import annotations

import pytest

from retrieval import analyzer
from retrieval.analyzer import STOPWORDS, stem, terms
from retrieval.normalize import normalize


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("المكتبة", "مكتب"),  # article + feminine ending
        ("والمعلومات", "معلوم"),  # و + article + plural ات
        ("بالمدينة", "مدين"),  # ب + article
        ("للطلاب", "طلاب"),  # ل + article (لل)
        ("لأطروحة", "اطروح"),  # particle ل on a word without article
        ("بفريستها", "فريس"),  # particle + pronoun + ة written as ت
        ("أطروحته", "اطروح"),  # pronoun after ة written as ت
        ("فريقاً", "فريق"),  # accusative tanween alef
        ("بابا", "بابا"),  # ...but not on a four-letter word: بابا is not باب
        ("المصريون", "مصر"),  # plural ون, then nisba ي
        ("مهندسين", "مهندس"),  # plural ين
        ("كتابهم", "كتاب"),  # pronoun هم
        ("بيت", "بيت"),  # too short to strip anything
        ("بنك", "بنك"),  # a particle is not stripped from a short word
        ("ال", "ال"),  # never below two letters
        ("cnn", "cnn"),  # Latin passes through
        ("2015", "2015"),  # numbers pass through
    ],
)
def test_stem_strips_clitics_and_affixes(word: str, expected: str) -> None:
    assert stem(normalize(word)) == expected


@pytest.mark.parametrize(
    "variants",
    [
        ("الأطروحة", "أطروحته", "لأطروحة", "بأطروحتها"),
        ("الفريق", "فريقاً", "بالفريق", "فريقهم"),
        ("الفريسة", "فريستها", "بفريستها"),
        ("المعلومات", "للمعلومات", "معلومات"),
        ("بريطانيا", "لبريطانيا", "البريطانية", "بريطاني"),
        ("النباتات", "نباتاتها", "للنباتات"),
        ("أمريكا", "الأمريكية", "لأمريكا"),
    ],
)
def test_inflected_variants_share_one_stem(variants: tuple[str, ...]) -> None:
    stems = {stem(normalize(v)) for v in variants}
    assert len(stems) == 1, stems


def test_stems_never_fall_below_two_letters() -> None:
    for word in ("وال", "بها", "لها", "كما", "فيه", "منا", "اتت"):
        assert len(stem(normalize(word))) >= 2


@pytest.mark.parametrize(
    "word", ["متى", "كم", "من", "ماذا", "أين", "كيف", "لماذا", "هل", "أي", "ومتى", "فكم", "اسم"]
)
def test_question_words_are_stopwords(word: str) -> None:
    assert normalize(word) in STOPWORDS
    assert terms(f"{word} الفريق") == ["فريق"]


def test_said_after_a_question_word_frames_the_question_and_is_no_term() -> None:
    assert analyzer.question_terms("ماذا قال جاك ما عن الأمن الرقمي؟") == ["جاك", "امن", "رقم"]
    assert analyzer.question_terms("وماذا تقول الوزارة؟") == ["وزار"]
    # Elsewhere قال is a word like any other, in questions and in passages.
    assert "قال" in analyzer.question_terms("من قال إن الأمن الرقمي أولوية؟")
    assert "قال" in analyzer.terms("ماذا قال جاك؟")
