"""Sentence passages: offsets into the article text and the tricky splitting cases."""

from pathlib import Path

from retrieval import sentences
from retrieval.corpus import read_corpus

SEED = Path(__file__).resolve().parent.parent / "corpus"


def texts(text: str) -> list[str]:
    return [text[s.start : s.end] for s in sentences.split(text)]


def test_seed_article_splits_into_its_ten_sentences() -> None:
    article = read_corpus(SEED).articles[0]
    found = texts(article.text)
    assert len(found) == 10
    assert found[0].startswith("قدم الرئيس الصيني شي جينبينغ")
    assert found[0].endswith("خلال زياته للولايات المتحدة.")
    assert found[4].startswith("وأعلن جاك ما المؤسس")
    assert "19 مليون عملية تخريب" in found[4]
    assert found[-1].endswith("أنشطة تجسس رقمي.")
    assert all("زر الذهاب" not in s for s in found)


def test_spans_are_offsets_into_the_original_text() -> None:
    text = "  أولاً.  ثانياً؟\nثالثاً!  "
    spans = sentences.split(text)
    assert [text[s.start : s.end] for s in spans] == ["أولاً.", "ثانياً؟", "ثالثاً!"]


def test_sentence_ends_at_each_terminal_mark_and_line_break() -> None:
    text = "جملة أولى. جملة ثانية! جملة ثالثة? جملة رابعة؟ جملة خامسة… جملة سادسة\nجملة سابعة"
    assert len(texts(text)) == 7


def test_decimal_numbers_are_not_split() -> None:
    assert texts("ارتفع المؤشر 3.5 بالمئة اليوم. ثم هبط.") == [
        "ارتفع المؤشر 3.5 بالمئة اليوم.",
        "ثم هبط.",
    ]


def test_closing_quote_after_full_stop_stays_with_its_sentence() -> None:
    text = "وقال: “ان الصين مستعدة للحوار.” وأضاف أن التعاون مهم."
    assert texts(text) == ["وقال: “ان الصين مستعدة للحوار.”", "وأضاف أن التعاون مهم."]


def test_closing_quote_before_full_stop_stays_with_its_sentence() -> None:
    text = "وقال: “ان الصين مستعدة للحوار“. وأضاف أن التعاون مهم."
    assert texts(text)[0] == "وقال: “ان الصين مستعدة للحوار“."


def test_single_letter_initial_is_not_a_sentence_end() -> None:
    assert texts("قال د. محمد إن الوضع مستقر.") == ["قال د. محمد إن الوضع مستقر."]


def test_latin_initial_spelled_in_arabic_inside_a_name_is_not_a_sentence_end() -> None:
    text = "فاز جورج دبليو. بوش عام 2004. وكتب جيمس أو. ماكينزي كتابا."
    assert texts(text) == ["فاز جورج دبليو. بوش عام 2004.", "وكتب جيمس أو. ماكينزي كتابا."]


def test_letter_name_after_another_letter_name_ends_the_sentence() -> None:
    assert texts("قالت ذلك قناة بي بي سي. وأضافت أن الوضع هادئ.") == [
        "قالت ذلك قناة بي بي سي.",
        "وأضافت أن الوضع هادئ.",
    ]


def test_ellipsis_of_three_dots_ends_once() -> None:
    assert texts("انتظر... ثم تكلم.") == ["انتظر...", "ثم تكلم."]


def test_empty_and_punctuation_only_pieces_are_dropped() -> None:
    assert texts("...\n\n!!! ؟\n—\nنص حقيقي.") == ["نص حقيقي."]
    assert sentences.split("") == []


def test_long_sentence_is_cut_at_arabic_commas() -> None:
    clause = "وهذه عبارة طويلة نسبيا تصف جانبا من الخبر بتفصيل كبير"
    text = "، ".join([clause] * 20) + "."
    pieces = texts(text)
    assert len(pieces) > 1
    assert all(len(p) <= sentences.MAX_SENTENCE_CHARS for p in pieces)
    assert all(p.endswith(("،", ".")) for p in pieces)
    assert "".join(pieces).replace("،", "، ").split() == text.split()


def test_long_sentence_without_commas_is_still_bounded() -> None:
    text = " ".join(["كلمة"] * 400)
    pieces = texts(text)
    assert all(len(p) <= 2 * sentences.MAX_SENTENCE_CHARS for p in pieces)
    assert sum(len(p.split()) for p in pieces) == 400


def test_paragraph_numbers_follow_non_empty_lines() -> None:
    spans = sentences.split("جاء الخبر. ثم انتهى.\n\nفقرة أخرى.")
    assert [s.paragraph for s in spans] == [0, 0, 1]
