"""How often the underline of a «كم / متى / من» answer points at the gold answer, on XQuAD-ar.

    python benchmarks/answer_spans_check.py [--squad ../shared/data/xquad-ar/xquad.ar.json]

For every question whose kind is number, date or person (retrieval/answer_spans.py) and whose
top-1 sentence is a hit (the yardstick rule of retrieval/evaluate.py), counts the answers with
an underline at all, and those where an underlined span and a gold answer overlap (one holds
the other after the yardstick's light normalization). An underline that misses is the
failure that matters: the reply then points at the wrong words.
"""

from __future__ import annotations

from collections import Counter

from squad_file import squad_path

from retrieval import evaluate
from retrieval.answer_spans import AnswerKind, answer_kind
from retrieval.search import Retriever


def main() -> None:
    """Print, per answer kind, the hits with an underline and those where it is right."""
    squad = squad_path(__doc__.split("\n")[0])
    dataset = evaluate.load_squad(squad)
    retriever = Retriever.from_articles(dataset.articles)
    hits, underlined, right = Counter[AnswerKind](), Counter[AnswerKind](), Counter[AnswerKind]()
    spans_shown, spans_right = Counter[AnswerKind](), Counter[AnswerKind]()
    for question in dataset.questions:
        kind = answer_kind(question.text)
        if kind is AnswerKind.OTHER:
            continue
        found = retriever.search(question.text, top_k=1)
        if not found or not evaluate.is_hit(found[0], question, dataset.articles):
            continue
        hits[kind] += 1
        spans = [evaluate.yardstick_normalize(found[0].text[s:e]) for s, e in found[0].answer_spans]
        golds = [evaluate.yardstick_normalize(a) for a in question.answers]
        on_gold = [any(s and g and (s in g or g in s) for g in golds) for s in spans]
        underlined[kind] += bool(spans)
        right[kind] += any(on_gold)
        spans_shown[kind] += len(spans)
        spans_right[kind] += sum(on_gold)
    print(
        "| question kind | top-1 hits | with an underline | underline on the gold answer "
        "| underlined spans on the gold answer |"
    )
    print("|---|---|---|---|---|")
    for kind in (AnswerKind.NUMBER, AnswerKind.DATE, AnswerKind.PERSON):
        n = hits[kind]
        shown = f"{underlined[kind]} ({underlined[kind] / n:.0%})" if n else "0"
        right_cell = f"{right[kind]} ({right[kind] / max(underlined[kind], 1):.0%} of underlined)"
        spans_cell = f"{spans_right[kind]} / {spans_shown[kind]}"
        print(f"| {kind.value} | {n} | {shown} | {right_cell} | {spans_cell} |")


if __name__ == "__main__":
    main()
