"""One table row per Arabic normalization rule of the retrieval core (issue 2, point 4)."""

import pytest

from retrieval.analyzer import terms, tokens
from retrieval.normalize import normalize

RULES = [
    ("diacritics (tashkeel)", "كَتَبَ الطَّالِبُ", "كتب الطالب"),
    ("shadda", "محمّد", "محمد"),
    ("dagger alif", "هٰذا", "هذا"),
    ("tanween", "شكراً", "شكرا"),
    ("tatweel", "الســــلام", "السلام"),
    ("alef with hamza above", "أحمد", "احمد"),
    ("alef with hamza below", "إسلام", "اسلام"),
    ("alef with madda", "آمن", "امن"),
    ("alef wasla", "ٱلكتاب", "الكتاب"),
    ("alef maksura", "مستشفى", "مستشفي"),
    ("teh marbuta", "مدرسة", "مدرسه"),
    ("waw with hamza", "مؤسس", "موسس"),
    ("yeh with hamza", "رئيس", "رييس"),
    ("Arabic-Indic digits", "٢٠١٥", "2015"),
    ("Persian digits", "۱۹", "19"),
    ("Persian yeh", "فارسی", "فارسي"),
    ("keheh", "کتاب", "كتاب"),
    ("heh goal", "ہذا", "هذا"),
    ("lam-alef ligature (NFKC)", "ﻻ", "لا"),
    ("presentation forms (NFKC)", "ﺑﻴﺖ", "بيت"),
    ("decomposed hamza composes first", "ا\u0654حمد", "احمد"),
    ("zero-width non-joiner", "ال\u200cكتاب", "الكتاب"),
    ("zero-width joiner and space", "كتا\u200dب\u200b", "كتاب"),
    ("bidi marks and isolates", "\u200fمرحبا\u2067\u2069\u202b", "مرحبا"),
    ("Arabic letter mark", "مرحبا\u061c", "مرحبا"),
    ("Latin lower-cased", "CNN", "cnn"),
]


@pytest.mark.parametrize(("rule", "raw", "expected"), RULES, ids=[r[0] for r in RULES])
def test_normalize_applies_rule(rule: str, raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("mark", ["،", "؛", "؟", "«", "»", ",", ";", "?", "!", ":", '"', "(", ")"])
def test_punctuation_separates_words(mark: str) -> None:
    assert tokens(f"سلام{mark}عليكم") == ["سلام", "عليكم"]


def test_tokens_keep_latin_words_lowercased_and_numbers_with_decimals() -> None:
    assert tokens("شبكة CNN نشرت 19 خبرا بنسبة 3.5 بالمئة") == [
        "شبكه",
        "cnn",
        "نشرت",
        "19",
        "خبرا",
        "بنسبه",
        "3.5",
        "بالميه",
    ]


@pytest.mark.parametrize(
    "word", ["ما", "ماذا", "متى", "أين", "كيف", "لماذا", "هل", "كم", "من", "أي"]
)
def test_question_words_are_stopwords(word: str) -> None:
    assert terms(word) == []


def test_same_question_with_or_without_hamza_and_diacritics_gives_same_terms() -> None:
    plain = terms("من هو مؤسس علي بابا؟")
    assert terms("مَنْ هُوَ مُؤَسِّسُ عَلِي بَابَا؟") == plain
    assert terms("من هو موسس علي بابا") == plain


def test_definite_article_and_its_prefixes_are_stripped() -> None:
    stems = {terms(word)[0] for word in ["الكتاب", "والكتاب", "بالكتاب", "فالكتاب", "كالكتاب"]}
    assert len(stems) == 1


def test_stemming_never_leaves_fewer_than_two_letters() -> None:
    for word in ["الي", "وله", "بها", "الم", "فيه", "ات", "وان"]:
        for term in terms(word):
            assert len(term) >= 2, (word, term)
