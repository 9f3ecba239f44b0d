"""Follow-up questions: the leaning signs, the plan, and `Retriever.search(follow_up=...)`."""

from __future__ import annotations

import pytest

from retrieval import analyzer, ranking
from retrieval.confidence import Band, Thresholds
from retrieval.corpus import make_article
from retrieval.followup import PreviousTurn, Sign, carried_terms, fresh, plan, signs
from retrieval.search import Retriever

FOUNDER_QUESTION = "من هو مؤسس علي بابا؟"
SECURITY_FOLLOW_UP = "وماذا قال عن الأمن الرقمي؟"


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    """Three articles; two of them speak of digital security, one of them is Alibaba's."""
    bodies = {
        "alibaba": "أسس جاك ما شركة علي بابا في مدينة هانغتشو عام 1999.\n\n"
        "وتحدث مؤسس علي بابا في مؤتمر التجارة عن الأمن الرقمي وقال إنه مسؤولية الجميع.",
        "europe": "ناقش وزراء أوروبا الأمن الرقمي في اجتماع بروكسل.\n\n"
        "وقال الوزراء إن الأمن الرقمي أولوية قصوى هذا العام.",
        "moon": "أطلقت وكالة الفضاء مسبارا جديدا نحو القمر.\n\n"
        "وقال مدير المشروع إن المسبار سيصل خلال أسبوع.",
    }
    return Retriever.from_articles(
        [make_article(name, f"{name}.md", {"title": name}, body) for name, body in bodies.items()]
    )


def test_pronoun_and_leading_waw_are_signs_of_a_follow_up() -> None:
    assert signs("ومتى حدث ذلك؟") == {Sign.REFERENCE, Sign.LEADING_CONJUNCTION}
    assert Sign.ATTACHED_PRONOUN in signs("من هو مؤسسها؟")


def test_copula_after_a_question_word_is_not_a_reference() -> None:
    assert signs("من هو مؤسس علي بابا؟") == frozenset()
    assert signs("ما هي عاصمة فرنسا؟") == frozenset()


def test_pronoun_after_a_relative_pronoun_points_inside_the_question() -> None:
    assert signs("ما الذي ليست منه المشطيات؟") == frozenset()
    assert signs("ما اسم الشركة التي مولها رجلا الأعمال؟") == frozenset()


def test_pronoun_inside_a_quoted_name_is_not_a_reference() -> None:
    assert signs('ما هو اسم حفيدة "الدكتور هو"؟') == frozenset()
    assert signs("من كتب «هو والآخرون»؟") == frozenset()
    assert Sign.REFERENCE in signs('ومن كتب عنه "الدكتور هو"؟')


def test_feminine_ta_marbuta_is_not_an_attached_pronoun() -> None:
    assert Sign.ATTACHED_PRONOUN not in signs("ما عاصمة الدولة الجديدة؟")


def test_carried_terms_are_the_previous_content_terms_the_question_lacks() -> None:
    expected = tuple(analyzer.terms("علي بابا"))
    assert carried_terms("ومتى أسس الشركة؟", "من أسس شركة علي بابا؟") == expected


def test_no_plan_without_a_previous_question_or_for_an_unrelated_full_question() -> None:
    previous = PreviousTurn(FOUNDER_QUESTION, "alibaba")
    assert plan(SECURITY_FOLLOW_UP, None, 1.0, 1.0) is None
    # Well answered alone, no sign, and its words are not in the previous article.
    assert plan("متى أطلقت وكالة الفضاء المسبار الجديد؟", previous, 1.0, 0.0) is None


def test_plan_carries_the_previous_terms_at_a_lower_weight() -> None:
    follow_up = plan("ومتى حدث ذلك؟", PreviousTurn(FOUNDER_QUESTION, "alibaba"), 0.0, 0.0)
    assert follow_up is not None
    assert follow_up.carried_terms == tuple(analyzer.terms("مؤسس علي بابا"))
    assert 0 < follow_up.carry_weight < 1
    assert follow_up.article_id == "alibaba"


def test_a_question_of_almost_no_words_that_points_back_prefers_the_previous_article() -> None:
    follow_up = plan("ومتى حدث ذلك؟", PreviousTurn(FOUNDER_QUESTION, "alibaba"), 1.0, 0.0)
    related = plan(
        "ماذا قال عنه وزير التجارة في المؤتمر؟", PreviousTurn(FOUNDER_QUESTION, "alibaba"), 1.0, 1.0
    )
    assert follow_up is not None and related is not None
    assert follow_up.carry_weight > related.carry_weight
    assert follow_up.article_boost > related.article_boost


def test_short_question_the_corpus_cannot_answer_alone_is_read_as_a_follow_up() -> None:
    previous = PreviousTurn(FOUNDER_QUESTION, "alibaba")
    # No word pointing back, but nothing found alone and few words: about the previous subject.
    orphan = plan("ماذا غنت؟", previous, 0.0, 0.0)
    assert orphan is not None
    assert orphan.carried_terms == tuple(analyzer.terms("مؤسس علي بابا"))
    # The same short question answered alone, with its words elsewhere, stays standalone.
    assert plan("ماذا غنت؟", previous, 0.8, 0.0) is None


def test_orphan_follow_up_is_answered_from_the_previous_article_as_uncertain(
    retriever: Retriever,
) -> None:
    assert retriever.search("متى ولد؟") == []
    previous = PreviousTurn(FOUNDER_QUESTION, "alibaba")
    result = retriever.respond("متى ولد؟", follow_up=previous)
    assert result.hits[0].article.id == "alibaba"
    assert result.hits[0].follow_up_of == FOUNDER_QUESTION
    # Only the carried words found it: the corpus never mentions a birth.
    assert result.band is Band.UNCERTAIN


def test_follow_up_found_in_the_previous_article_is_never_nothing_found(
    retriever: Retriever,
) -> None:
    previous = PreviousTurn(FOUNDER_QUESTION, "alibaba")
    strict = Thresholds(confident=1.1, uncertain=1.05)  # above any probability: all none
    alone = retriever.respond("ماذا قال الوزراء عن الأمن الرقمي؟", thresholds=strict)
    assert alone.band is Band.NONE
    after = retriever.respond(SECURITY_FOLLOW_UP, follow_up=previous, thresholds=strict)
    assert after.hits[0].article.id == "alibaba"
    assert after.band is Band.UNCERTAIN


def test_weak_follow_up_is_not_taken_by_a_sentence_of_its_one_word() -> None:
    articles = [
        make_article(
            "alibaba",
            "a.md",
            {"title": "علي بابا"},
            "أسس جاك ما شركة علي بابا في مدينة هانغتشو عام 1999.",
        ),
        make_article("other", "b.md", {"title": "حكاية"}, "ما الذي حدث؟ لا أحد يعرف."),
    ]
    retriever = Retriever.from_articles(articles)
    assert retriever.search("ومتى حدث ذلك؟")[0].article.id == "other"
    previous = PreviousTurn(FOUNDER_QUESTION, "alibaba")
    hit = retriever.search("ومتى حدث ذلك؟", follow_up=previous)[0]
    assert hit.article.id == "alibaba"
    assert [hit.text[s:e] for s, e in hit.answer_spans] == ["1999"]


def test_context_expires_after_the_ttl() -> None:
    turn = PreviousTurn("سؤال", "a", asked_at=100.0)
    assert fresh(turn, 100.0 + 599, 600) is turn
    assert fresh(turn, 100.0 + 600, 600) is None
    assert fresh(turn, 101.0, 0) is None  # a TTL of 0 turns follow-ups off


def test_follow_up_is_answered_from_the_previous_question_article(retriever: Retriever) -> None:
    first = retriever.search(FOUNDER_QUESTION, top_k=1)
    assert first[0].article.id == "alibaba"
    alone = retriever.search(SECURITY_FOLLOW_UP, top_k=1)
    assert alone[0].article.id == "europe"
    previous = PreviousTurn(FOUNDER_QUESTION, first[0].article.id)
    after = retriever.search(SECURITY_FOLLOW_UP, top_k=1, follow_up=previous)
    assert after[0].article.id == "alibaba"
    assert after[0].follow_up_of == FOUNDER_QUESTION
    assert alone[0].follow_up_of is None


@pytest.mark.parametrize(
    "question", ["متى أطلقت وكالة الفضاء المسبار؟", "ماذا قال الوزراء عن الأمن الرقمي؟"]
)
def test_standalone_question_is_unaffected_by_the_previous_one(
    retriever: Retriever, question: str
) -> None:
    previous = PreviousTurn(FOUNDER_QUESTION, "alibaba")
    alone = retriever.search(question, top_k=3)
    after = retriever.search(question, top_k=3, follow_up=previous)
    assert after == alone


def test_unit_weights_rank_exactly_like_no_weights(retriever: Retriever) -> None:
    query = ranking.analyze(retriever.index, "ماذا قال الوزراء عن الأمن الرقمي؟")
    weighted = ranking.Query(
        query.terms, query.term_ids, query.answer_type, query.tokens, (1.0,) * len(query.term_ids)
    )
    plain_docs, plain_scores = retriever.ranker.rank(query)
    docs, scores = retriever.ranker.rank(weighted)
    assert docs.tolist() == plain_docs.tolist()
    assert scores == pytest.approx(plain_scores)
