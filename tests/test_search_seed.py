"""Search over the shipped seed article: the questions a new user asks first."""

from __future__ import annotations

import pytest

from retrieval.corpus import Article
from retrieval.search import Retriever
from tests.conftest import CORPUS_DIR


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    return Retriever.open(CORPUS_DIR)


@pytest.mark.parametrize(
    "question",
    [
        "كم عدد عمليات التخريب ضد علي بابا؟",
        "كم عدد عمليات التخريب ضد علي بابا",  # no question mark
        "كم عدد عمليات التخريب ضد على بابا؟",  # alef maksura
        "كَمْ عَدَدُ عَمَلِيَّاتِ التَّخْرِيبِ ضِدَّ عَلِي بَابَا؟",  # full diacritics
        "كم عدد عمليـــات التخريب ضد علي بابا؟",  # tatweel
    ],
)
def test_sabotage_question_finds_the_19_million_sentence_first(
    retriever: Retriever, question: str
) -> None:
    hits = retriever.search(question, top_k=3)
    assert hits
    assert "19 مليون عملية تخريب" in hits[0].text


def test_founder_question_without_hamza_finds_jack_ma(retriever: Retriever) -> None:
    with_hamza = retriever.search("من هو مؤسس علي بابا؟")
    without = retriever.search("من هو موسس علي بابا")
    assert with_hamza[0].text.startswith("وأعلن جاك ما المؤسس")
    assert [h.sentence for h in without] == [h.sentence for h in with_hamza]


def test_hit_carries_text_offsets_article_and_highlights(retriever: Retriever) -> None:
    hit = retriever.search("ماذا قال جاك ما عن الأمن الرقمي؟")[0]
    assert hit.article.text[hit.start : hit.end] == hit.text
    assert hit.article.title.startswith("الرئيس الصيني يقدم وعوداً")
    assert hit.article.category == "الأمن الإلكتروني"
    assert hit.score > 0
    highlighted = {hit.text[s:e] for s, e in hit.highlights}
    assert {"جاك", "الأمن", "الرقمي"} <= highlighted


def test_top_k_and_offset_page_through_results_without_repeats(retriever: Retriever) -> None:
    first = retriever.search("الرئيس الصيني", top_k=2)
    second = retriever.search("الرئيس الصيني", top_k=2, offset=2)
    assert len(first) == 2
    assert len(second) == 2
    assert not {h.sentence for h in first} & {h.sentence for h in second}
    assert first[-1].score >= second[0].score


@pytest.mark.parametrize("question", ["", "   ", "؟", "ما هو؟", "كيف ومتى ولماذا", "qwxz"])
def test_question_without_known_terms_returns_no_hits(retriever: Retriever, question: str) -> None:
    assert retriever.search(question) == []


def test_identical_sentences_appear_once() -> None:
    repeated = "ارتفعت أسعار النفط في الأسواق العالمية."
    articles = [
        Article(id=f"a{n}", title=f"خبر {n}", text=f"{repeated}\nتفاصيل أخرى رقم {n}.", path="x")
        for n in range(3)
    ]
    articles.append(
        Article(id="b", title="خبر", text="ارتفعت  أَسعار النفط في الاسواق العالمية!", path="y")
    )
    hits = Retriever.from_articles(articles).search("أسعار النفط", top_k=5)
    assert len([h for h in hits if "النفط" in h.text]) == 1
