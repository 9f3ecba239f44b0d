"""Follow-up questions on XQuAD-ar: what carrying the previous question over recovers.

    python benchmarks/followup_check.py [--squad ../shared/data/xquad-ar/xquad.ar.json]

Builds a follow-up set deterministically: within each paragraph, each question after the
first is paired with the one before it; the words of the second question that share a term
with the first (its subject) are replaced, the first run of them by a pronoun (هي after a
word in ة, else هو) on even pairs and dropped on odd pairs, and any other shared words
dropped. Pairs where nothing is shared, or nothing of the second question's own would be
left, are skipped. Each pair is then searched three ways, with the hit rule of
retrieval/evaluate.py: the follow-up alone, the follow-up with the first question as the
chat's previous turn (its top article as found by the search itself), and the original
full question. The gap closed is (carry − alone) / (full − alone).

Standalone check: every question of the file is asked after a random question of another
article (fixed seed) and must lose nothing against being asked alone. Every figure is given
on the whole file and on the even- and odd-numbered articles, for the default settings and a
handful of others (XQuAD may only choose among those, and only a choice that holds on both
halves). Prints Markdown tables (docs/quality.md, "Follow-up questions").
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from squad_file import squad_path

from retrieval import analyzer, evaluate
from retrieval.followup import FollowUpParams, PreviousTurn
from retrieval.search import Retriever

SEED = 20261130
DEFAULT = FollowUpParams()
SETTINGS: tuple[FollowUpParams, ...] = (
    DEFAULT,
    replace(DEFAULT, carry_weight=0.4),
    replace(DEFAULT, article_boost=0.2),
    replace(DEFAULT, relatedness=0.7),
    replace(DEFAULT, low_confidence=0.5),
    replace(DEFAULT, weak_carry_weight=0.3, weak_boost=0.1),
    replace(DEFAULT, weak_carry_weight=0.6, weak_boost=0.5),
    replace(DEFAULT, weak_carry_weight=1.0, weak_boost=0.5),
    replace(DEFAULT, weak_carry_weight=1.0, weak_boost=1.0),
)
_WORD = re.compile(r"\S+")
_NOT_SUBJECT = frozenset(
    analyzer.terms("عدد نسبة اسم نوع سنة عام يوم شهر قرن تاريخ مقدار على علي كان الذي التي")
)


@dataclass(frozen=True, slots=True)
class Pair:
    """A question, the question after it with its shared subject hidden, and the original."""

    first: evaluate.Question
    second: evaluate.Question
    follow_up: str


def paragraph_of(path: Path) -> dict[str, int]:
    """Return each question id's paragraph number, counted over the whole file."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    numbers: dict[str, int] = {}
    paragraph = 0
    for entry in raw["data"]:
        for p in entry["paragraphs"]:
            for qa in p["qas"]:
                numbers[str(qa["id"])] = paragraph
            paragraph += 1
    return numbers


def hide_subject(first: str, second: str, use_pronoun: bool) -> str | None:
    """Return `second` with the words sharing a subject term with `first` hidden, or None.

    Numbers and the generic nouns of question frames (عدد، عام، اسم…) are not a subject.
    None when no word is shared or when no content term of `second` would be left.
    """
    subject = set(analyzer.terms(first)) - _NOT_SUBJECT
    words = _WORD.findall(second.strip().rstrip("؟?").strip())
    shared = [bool({t for t in analyzer.terms(w) if not t.isdigit()} & subject) for w in words]
    if not any(shared):
        return None
    start = shared.index(True)
    end = start
    while end < len(words) and shared[end]:
        end += 1
    pronoun = "هي" if words[end - 1].endswith("ة") else "هو"
    kept = [
        pronoun if i == start and use_pronoun else word
        for i, word in enumerate(words)
        if not shared[i] or (i == start and use_pronoun)
    ]
    text = " ".join(kept) + "؟"
    return text if set(analyzer.terms(text)) - {"هو", "هي"} else None


def follow_up_pairs(dataset: evaluate.Dataset, paragraphs: dict[str, int]) -> list[Pair]:
    """Return the follow-up set: consecutive questions of one paragraph, subject hidden."""
    pairs: list[Pair] = []
    for first, second in zip(dataset.questions, dataset.questions[1:], strict=False):
        if paragraphs[first.id] != paragraphs[second.id]:
            continue
        hidden = hide_subject(first.text, second.text, use_pronoun=len(pairs) % 2 == 0)
        if hidden is not None:
            pairs.append(Pair(first, second, hidden))
    return pairs


Hit1 = Callable[[evaluate.Question, str, PreviousTurn | None], bool]


def hit_at_1(retriever: Retriever, dataset: evaluate.Dataset, params: FollowUpParams) -> Hit1:
    """Return a function: is the top sentence for a text (after a previous turn) a hit."""

    def hit(question: evaluate.Question, text: str, previous: PreviousTurn | None) -> bool:
        hits = retriever.search(text, top_k=1, follow_up=previous, follow_up_params=params)
        return evaluate.first_hit_rank(hits, question, dataset.articles) == 1

    return hit


def previous_turn(retriever: Retriever, question: str) -> PreviousTurn:
    """Return the chat's memory of `question`: its text and the article of its top hit."""
    hits = retriever.search(question, top_k=1)
    return PreviousTurn(question, hits[0].article.id if hits else None)


def shares(flags: list[tuple[int, bool]]) -> str:
    """Return "all (even / odd)" shares of True among (article, flag) pairs."""

    def share(rows: list[bool]) -> float:
        return sum(rows) / len(rows) if rows else 0.0

    every = share([f for _, f in flags])
    even = share([f for a, f in flags if a % 2 == 0])
    odd = share([f for a, f in flags if a % 2 == 1])
    return f"{every:.3f} ({even:.3f} / {odd:.3f})"


def gap_closed(
    alone: list[tuple[int, bool]], carried: list[tuple[int, bool]], full: list[tuple[int, bool]]
) -> str:
    """Return "all (even / odd)" shares of the alone → full gap that carry-over closes."""

    def closed(keep: Callable[[int], bool]) -> str:
        a, c, f = (sum(flag for art, flag in rows if keep(art)) for rows in (alone, carried, full))
        return f"{(c - a) / (f - a):.0%}" if f != a else "—"

    every = closed(lambda _: True)
    return f"{every} ({closed(lambda a: a % 2 == 0)} / {closed(lambda a: a % 2 == 1)})"


def main() -> None:
    """Print the follow-up and standalone tables."""
    squad = squad_path(__doc__.split("\n")[0])
    dataset = evaluate.load_squad(squad)
    retriever = Retriever.from_articles(dataset.articles)
    pairs = follow_up_pairs(dataset, paragraph_of(squad))
    previous = {q.id: previous_turn(retriever, q.text) for q in dataset.questions}
    rng = random.Random(SEED)
    unrelated = {
        q.id: previous[rng.choice([o for o in dataset.questions if o.article != q.article]).id]
        for q in dataset.questions
    }
    plain = hit_at_1(retriever, dataset, FollowUpParams())
    alone = [(p.second.article, plain(p.second, p.follow_up, None)) for p in pairs]
    full = [(p.second.article, plain(p.second, p.second.text, None)) for p in pairs]
    standalone = [(q.article, plain(q, q.text, None)) for q in dataset.questions]
    print(f"follow-up pairs: {len(pairs)} (of {len(dataset.questions)} questions)")
    print(f"follow-up alone Hit@1: {shares(alone)}")
    print(f"full question Hit@1:   {shares(full)}")
    print(f"standalone Hit@1:      {shares(standalone)}\n")
    print(
        "| relatedness | carry weight | article boost | low confidence | weak carry / boost "
        "| follow-up with carry-over | gap closed "
        "| standalone after an unrelated question | standalone lost / won |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for params in SETTINGS:
        hit = hit_at_1(retriever, dataset, params)
        carried = [
            (p.second.article, hit(p.second, p.follow_up, previous[p.first.id])) for p in pairs
        ]
        after = [(q.article, hit(q, q.text, unrelated[q.id])) for q in dataset.questions]
        lost = sum(1 for (_, a), (_, b) in zip(standalone, after, strict=True) if a and not b)
        won = sum(1 for (_, a), (_, b) in zip(standalone, after, strict=True) if b and not a)
        print(
            f"| {params.relatedness} | {params.carry_weight} | {params.article_boost} "
            f"| {params.low_confidence} | {params.weak_carry_weight} / {params.weak_boost} "
            f"| {shares(carried)} "
            f"| {gap_closed(alone, carried, full)} | {shares(after)} | {lost} / {won} |"
        )


if __name__ == "__main__":
    main()
