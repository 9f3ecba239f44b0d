"""Follow-up questions: whether a question leans on the one before it, and what to carry over.

In a chat people ask «من هو مؤسس علي بابا؟» and then «ومتى حدث ذلك؟»: the second question
names its subject only through a pronoun, a demonstrative or a leading و, or not at all.
`plan` decides from the question's own words (and how well it is answered alone) whether it
leans on the previous question; if so it returns a `FollowUpPlan`: the previous question's
content terms to add at a lower weight and the previous top article to prefer. A question
that shows no sign of leaning gets no plan and is searched exactly as if it came alone.

`Retriever.search(..., follow_up=PreviousTurn(...))` applies the plan with the functions at
the end (`carried_query`, `prefer_article`); the bot only remembers each chat's last
`PreviousTurn` for a few minutes. All pure: nothing here keeps state. docs/quality.md
("Follow-up questions") gives the figures behind the defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum

import numpy as np

from retrieval import analyzer, ranking
from retrieval.index import CorpusIndex


@dataclass(frozen=True, slots=True)
class PreviousTurn:
    """What a chat remembers of its last question: the text, its top article, and when.

    `asked_at` is on whatever clock the caller uses (the bot: `time.monotonic`).
    """

    question: str
    article_id: str | None = None
    asked_at: float = 0.0


@dataclass(frozen=True, slots=True)
class FollowUpParams:
    """How a follow-up is searched; the defaults are the values chosen in docs/quality.md."""

    carry_weight: float = 0.3  # weight of each carried term; the question's own terms weigh 1
    article_boost: float = 0.1  # added to the score of sentences of the previous top article
    few_terms: int = 2  # a question with at most this many content terms leans on context
    low_confidence: float = 0.6  # ...and so does one whose best sentence alone covers less
    # A question is about the previous article when its best sentence there covers at least
    # this share of what its best sentence anywhere covers.
    relatedness: float = 0.5
    # A question with almost no words of its own that points back («ومتى حدث ذلك؟») is about
    # the previous subject: its carried words weigh more and the previous article is
    # preferred outright (a boost of 1 outweighs most evidence of another article).
    weak_carry_weight: float = 0.6
    weak_boost: float = 1.0


class Sign(Enum):
    """A reason to read a question as a follow-up of the previous one."""

    REFERENCE = "reference"  # a pronoun or demonstrative: هو، هي، ذلك، هذه، عنه…
    ATTACHED_PRONOUN = "attached pronoun"  # a content word with ـه، ـها، ـهم…: مؤسسها
    LEADING_CONJUNCTION = "leading conjunction"  # و/ف before the first word: وماذا، فمتى
    FEW_TERMS = "few content words"
    LOW_CONFIDENCE = "low confidence alone"


@dataclass(frozen=True, slots=True)
class FollowUpPlan:
    """How to search a follow-up: extra terms at `carry_weight`, `article_id` boosted."""

    previous_question: str
    carried_terms: tuple[str, ...]
    carry_weight: float
    article_id: str | None
    article_boost: float
    signs: frozenset[Sign]


# Normalized (ة→ه, no hamza on alef) demonstratives and pronouns, alone or with a clitic.
_DEMONSTRATIVES = frozenset(
    """ذلك ذاك تلك هذا هذه هذان هاتان هذين هاتين هولاء اولئك وذلك وتلك وهذا وهذه فذلك
    لذلك بذلك كذلك بهذا لهذا بهذه لهذه""".split()
)
_PRONOUNS = frozenset(
    """هو هي هم هن هما وهو وهي وهم فهو فهي عنه عنها عنهم منه منها منهم له لها لهم به بها
    بهم فيه فيها فيهم عليه عليها عليهم اليه اليها اليهم لديه لديها لديهم معه معها معهم""".split()
)
_REFERENCES = _DEMONSTRATIVES | _PRONOUNS
# After a relative pronoun a personal pronoun is resumptive («الشركة التي مولها»،
# «العمل الذي شككت فيه»): it points inside the question, not back at the previous one.
_RELATIVES = frozenset("الذي التي الذين اللذان اللتان اللذين اللتين اللواتي اللاتي".split())
# «ما هو / من هي»: a pronoun right after a question word is a copula, not a reference.
_QUESTION_WORDS = frozenset(
    "ما ماذا من متي اين كيف لماذا كم اي ايه هل وما ومن وماذا فما فمن ومتي".split()
)
# Question words and particles that a leading و or ف attaches to in a follow-up.
_CONTINUED = frozenset(
    "ماذا ما من متي اين كيف لماذا كم اي ايه هل هو هي هم ذلك هذا هذه كان كانت".split()
)
# Attached object/possessive pronouns, written with ه (never ة) in the raw question.
_ATTACHED = re.compile(r"(?:هما|هم|هن|ها|ه)$")
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_RAW_ARABIC_WORD = re.compile("[\u0621-\u064a]+")
_MIN_STEM_BEFORE_PRONOUN = 3
# A quoted title or name («"الدكتور هو"») is no reference to anything said before.
_QUOTED = re.compile(r'"[^"]*"|«[^»]*»|“[^”]*”')


def signs(question: str) -> frozenset[Sign]:
    """Return the signs, read from its words alone, that `question` leans on a previous one.

    `LOW_CONFIDENCE` needs a search and is added by `plan`.
    """
    found: set[Sign] = set()
    tokens = analyzer.tokens(_QUOTED.sub(" ", question))
    relative_seen = False
    for i, token in enumerate(tokens):
        relative_seen = relative_seen or token in _RELATIVES
        after_question_word = i > 0 and tokens[i - 1] in _QUESTION_WORDS
        copula = token in ("هو", "هي", "هم") and after_question_word
        resumptive = token in _PRONOUNS and relative_seen
        if token in _REFERENCES and not copula and not resumptive:
            found.add(Sign.REFERENCE)
    if tokens and _leading_conjunction(tokens[0]):
        found.add(Sign.LEADING_CONJUNCTION)
    if _has_attached_pronoun(question):
        found.add(Sign.ATTACHED_PRONOUN)
    return frozenset(found)


def _leading_conjunction(first: str) -> bool:
    """Return whether the first token is و/ف alone or attached to a question word (وماذا)."""
    if first in ("و", "ف"):
        return True
    return first[:1] in ("و", "ف") and first[1:] in _CONTINUED


def _has_attached_pronoun(question: str) -> bool:
    """Return whether a content word of the raw `question` ends in an attached pronoun.

    Read before normalization, which would fold the feminine ة into ه. A word ending in a
    root ه (وجه، الله) also counts: the sign is weak and `plan` weighs it with the others.
    Pronouns after a relative pronoun are resumptive and do not count.
    """
    for word in _RAW_ARABIC_WORD.findall(_DIACRITICS.sub("", question)):
        folded = analyzer.tokens(word)
        if folded and folded[0] in _RELATIVES:
            return False
        if not folded or analyzer.is_stopword(folded[0]) or folded[0] in _REFERENCES:
            continue
        match = _ATTACHED.search(word)
        if match and len(word) - len(match.group()) >= _MIN_STEM_BEFORE_PRONOUN:
            return True
    return False


def carried_terms(question: str, previous: str) -> tuple[str, ...]:
    """Return the content terms of `previous` that `question` lacks, in their order, once."""
    own = set(analyzer.question_terms(question))
    return tuple(t for t in dict.fromkeys(analyzer.terms(previous)) if t not in own)


def plan(
    question: str,
    previous: PreviousTurn | None,
    confidence_alone: float,
    confidence_in_previous: float,
    params: FollowUpParams | None = None,
) -> FollowUpPlan | None:
    """Return how to search `question` as a follow-up of `previous`, or None to search it alone.

    `confidence_alone` is the share of the question its best sentence covers when searched
    alone (`ranking.confidence`; 0 when nothing was found), `confidence_in_previous` the
    same for the best sentence of the previous top article. A question leans on the
    previous one when it shows a sign of it (a reference word, a leading و/ف, an attached
    pronoun, at most `few_terms` content words of its own, a best sentence below
    `low_confidence`) and either its own words are at home in the previous article
    (`relatedness`) or it has too few of them to stand alone and either refers back with a
    pronoun, a demonstrative or a leading و/ف or finds nothing alone (then it is "weak":
    `weak_carry_weight`, `weak_boost`). The second condition is what keeps a new question
    after an unrelated one unaffected: pronouns and short questions are common in
    standalone questions too.
    Without a previous question, or with nothing to carry or prefer, there is no plan.
    """
    params = params or FollowUpParams()
    if previous is None:
        return None
    found = set(signs(question))
    # An attached pronoun is too weak for this: a root ه (وجه، الله) looks the same.
    referring = bool(found & {Sign.REFERENCE, Sign.LEADING_CONJUNCTION})
    if len(set(analyzer.question_terms(question))) <= params.few_terms:
        found.add(Sign.FEW_TERMS)
    if confidence_alone < params.low_confidence:
        found.add(Sign.LOW_CONFIDENCE)
    related = confidence_alone > 0 and (
        confidence_in_previous >= params.relatedness * confidence_alone
    )
    # A short question none of whose words the corpus answers («ماذا غنت؟») can only be
    # about the previous subject, even without a word pointing back.
    orphan = confidence_alone == 0 and Sign.FEW_TERMS in found
    weak = orphan or (referring and Sign.FEW_TERMS in found)
    leaning = related or weak
    carried = carried_terms(question, previous.question)
    if not found or not leaning or not (carried or previous.article_id):
        return None
    return FollowUpPlan(
        previous_question=previous.question,
        carried_terms=carried,
        carry_weight=params.weak_carry_weight if weak else params.carry_weight,
        article_id=previous.article_id,
        article_boost=params.weak_boost if weak else params.article_boost,
        signs=frozenset(found),
    )


def fresh(previous: PreviousTurn | None, now: float, ttl: float) -> PreviousTurn | None:
    """Return `previous` when it was asked less than `ttl` seconds before `now`, else None."""
    if previous is None or ttl <= 0 or not 0 <= now - previous.asked_at < ttl:
        return None
    return previous


def article_number(index: CorpusIndex, article_id: str | None) -> int | None:
    """Return the position of the article `article_id` in `index`, or None if it is gone."""
    if article_id is None:
        return None
    return next((n for n, a in enumerate(index.articles) if a.id == article_id), None)


def article_coverage(index: CorpusIndex, query: ranking.Query, article: int | None) -> float:
    """Return the share of `query` the best sentence of article number `article` covers.

    What `plan` compares with the best sentence anywhere to tell whether a question is
    about the previous article (`ranking.confidence`; 0 without an article).
    """
    if article is None or not query.term_ids:
        return 0.0
    first, last = np.searchsorted(index.sent_article, [article, article + 1])
    sentences = range(int(first), int(last))
    return max((ranking.confidence(index, query, s) for s in sentences), default=0.0)


def carried_query(index: CorpusIndex, query: ranking.Query, plan: FollowUpPlan) -> ranking.Query:
    """Return `query` with the plan's carried terms known to `index` at `plan.carry_weight`.

    The previous question's words also join the question's tokens, so a number it named
    is not taken for an answer (`answer_type.has_answer_type`).
    """
    vocabulary = index.vocabulary
    own = set(query.term_ids)
    carried = [t for t in plan.carried_terms if t in vocabulary and vocabulary[t] not in own]
    if not carried:
        return query
    return replace(
        query,
        terms=query.terms + tuple(carried),
        term_ids=query.term_ids + tuple(vocabulary[t] for t in carried),
        weights=query.id_weights() + (plan.carry_weight,) * len(carried),
        tokens=query.tokens | frozenset(analyzer.tokens(plan.previous_question)),
    )


def prefer_article(
    index: CorpusIndex, docs: np.ndarray, scores: np.ndarray, plan: FollowUpPlan
) -> tuple[np.ndarray, np.ndarray]:
    """Return ranked (sentences, scores) with the plan's boost added to its article's sentences.

    Re-sorted best first, ties to earlier sentences, as `ranking.Ranker.rank` orders them.
    """
    article = article_number(index, plan.article_id)
    if article is None or not plan.article_boost or len(docs) == 0:
        return docs, scores
    scores = scores + plan.article_boost * (index.sent_article[docs] == article)
    order = np.lexsort((docs, -scores))
    return docs[order], scores[order]
