"""The ranking model's parts: answer types, their cue, and bounded, repeat-free paging."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from retrieval import analyzer, answer_type, ranking
from retrieval.corpus import Article
from retrieval.index import build
from retrieval.search import Retriever

AnswerType = answer_type.AnswerType


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("متى بني السد العالي؟", AnswerType.DATE),
        ("ومتى افتتح؟", AnswerType.DATE),
        ("في أي عام تأسست الشركة؟", AnswerType.DATE),
        ("في أي سنة انتهت الحرب؟", AnswerType.DATE),
        ("كم يبلغ طول النهر؟", AnswerType.NUMBER),
        ("ما عدد سكان المدينة؟", AnswerType.NUMBER),
        ("ما نسبة البطالة؟", AnswerType.NUMBER),
        ("ما هو عدد سكان المدينة؟", AnswerType.NUMBER),
        ("ما هي نسبة المشاهدين في عام 1980؟", AnswerType.NUMBER),
        ("من فاز بالبطولة في عام 1946؟", AnswerType.OTHER),
        ("من هو مؤسس علي بابا؟", AnswerType.OTHER),
        ("أين يصب نهر النيل؟", AnswerType.OTHER),
    ],
)
def test_answer_type_follows_the_question_word(question: str, expected: AnswerType) -> None:
    assert answer_type.answer_type(question) is expected


@pytest.mark.parametrize(
    ("text", "wanted", "question_tokens", "expected"),
    [
        ("وقد بني السد في أسوان عام 1970.", AnswerType.DATE, frozenset(), True),
        ("افتتح في شهر أكتوبر الماضي.", AnswerType.DATE, frozenset(), True),
        ("يبلغ طوله 6650 كيلومتراً.", AnswerType.NUMBER, frozenset(), True),
        ("سجل الفريق ثلاثة أهداف.", AnswerType.NUMBER, frozenset(), True),
        ("فاز الفريق في سوبر بول 50.", AnswerType.NUMBER, frozenset({"50"}), False),
        ("الفريق فاز بالمباراة النهائية.", AnswerType.NUMBER, frozenset(), False),
        ("بلغ عدد السكان 1,160,000 نسمة.", AnswerType.DATE, frozenset(), False),
    ],
)
def test_answer_type_cue_needs_a_value_the_question_does_not_give(
    text: str, wanted: AnswerType, question_tokens: frozenset[str], expected: bool
) -> None:
    assert answer_type.has_answer_type(text, wanted, question_tokens) is expected


def test_date_question_prefers_the_sentence_with_a_year() -> None:
    text = (
        "يعد نهر النيل أطول أنهار العالم.\n"
        "بني السد العالي في أسوان.\n"
        "وقد بني السد العالي عام 1970.\n"
        "تعيش في النهر أنواع كثيرة من الأسماك.\n"
        "يزور المدينة سياح من بلدان كثيرة كل شتاء."
    )
    article = Article(id="a", title="النيل", path="a", text=text)
    retriever = Retriever.from_articles([article])
    plain = Retriever(retriever.index, ranking_params=ranking.RankingParams(answer_type_weight=0))
    question = "متى بني السد العالي؟"
    assert "1970" not in plain.search(question, top_k=1)[0].text
    assert "1970" in retriever.search(question, top_k=1)[0].text


def test_paging_past_the_candidate_pool_never_repeats_a_sentence() -> None:
    # Each sentence has its own words (not near-copies, which would be shown once).
    rng = random.Random(3)
    letters = "بتثجحخدذرزسشصضطظعغفقكلمنهوي"
    words = [" ".join("".join(rng.sample(letters, 5)) for _ in range(8)) for _ in range(40)]
    articles = [
        Article(id=f"a{i}", title=f"خبر {i}", path=f"a{i}", text=f"ارتفعت أسعار النفط {words[i]}.")
        for i in range(40)
    ]
    params = ranking.RankingParams(candidates=5, pool=5)
    retriever = Retriever(build(articles), min_score=0.0, ranking_params=params)
    seen = []
    for offset in range(0, 40, 10):
        seen += [hit.sentence for hit in retriever.search("أسعار النفط", top_k=10, offset=offset)]
    assert len(seen) == 40 and len(set(seen)) == 40


def test_specificity_is_the_log_ratio_of_article_sentences_to_those_holding_the_term() -> None:
    texts = [
        "النيل نهر طويل. يمر النيل بمصر. السد العالي على النيل. بني السد عام 1970.",
        "القاهرة مدينة كبيرة. يمر النيل بالقاهرة.",
        "السد في أسوان.",
    ]
    articles = [Article(id=f"a{i}", title="", path=f"a{i}", text=t) for i, t in enumerate(texts)]
    index = build(articles)
    query = ranking.analyze(index, "متى بني السد على النيل؟")
    docs = np.arange(index.n_sentences)
    article_start = np.searchsorted(index.sent_article, np.arange(len(articles) + 1))
    got = ranking._specificity(index, query, docs, article_start)

    def sentence_terms(s: int) -> set[str]:
        return set(analyzer.terms(index.sentence_text(s)))

    for s in docs:
        same_article = [t for t in docs if index.sent_article[t] == index.sent_article[s]]
        expected = sum(
            math.log1p(len(same_article) / sum(term in sentence_terms(t) for t in same_article))
            for term in dict.fromkeys(query.terms)
            if term in sentence_terms(s)
        )
        assert got[s] == pytest.approx(expected)
