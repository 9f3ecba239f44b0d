"""Follow-ups over a candidate corpus: do they keep the whole index's answers?

    python benchmarks/followup_cut_check.py --distractors /tmp/i13/scaling/corpus \
        --distractors-index /tmp/i13/scaling/index-x1 [--count 5000] [--step 1]

Builds XQuAD-ar plus `--count` distractor articles, makes benchmarks/followup_check.py's
follow-up pairs (every `--step`-th), and asks each follow-up after its first question over
the whole index, over `CutBackend` candidate corpora (a follow-up's carried terms selected
apart from its own, as the backends do) and over candidate corpora selected with all terms
together. Prints Hit@1 of each and how many top sentences equal the whole index's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import followup_check
from squad_file import DEFAULT_SQUAD

from retrieval import evaluate, store
from retrieval.backends.cut import CutBackend
from retrieval.index import CorpusIndex, build
from retrieval.search import Retriever


class TogetherSelection(CutBackend):
    """Candidate corpora selected with a follow-up's carried terms among its own."""

    def candidate_corpus(
        self,
        terms: Sequence[str],
        articles: Sequence[str] = (),
        *,
        carried: Sequence[str] = (),
    ) -> CorpusIndex:
        """Return the candidate corpus of all the terms at once."""
        return super().candidate_corpus([*terms, *carried], articles)


def main() -> None:
    """Print the figures; see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", type=Path, default=DEFAULT_SQUAD)
    parser.add_argument("--distractors", required=True, help="corpus folder")
    parser.add_argument("--distractors-index", help="its persisted index (default DIR/.index)")
    parser.add_argument("--count", type=int, default=5000, help="distractor articles")
    parser.add_argument("--step", type=int, default=1, help="ask every step-th pair")
    args = parser.parse_args()
    dataset = evaluate.load_squad(args.squad)
    index_dir = Path(args.distractors_index) if args.distractors_index else None
    extra = store.open_index(Path(args.distractors), index_dir).index.articles[: args.count]
    index = build([*dataset.articles, *extra])
    variants = {
        "whole index": Retriever(index),
        "candidate corpora (carried apart)": Retriever(CutBackend(index)),
        "candidate corpora (all terms together)": Retriever(TogetherSelection(index)),
    }
    pairs = followup_check.follow_up_pairs(dataset, followup_check.paragraph_of(args.squad))
    pairs = pairs[:: args.step]
    tops: dict[str, list[str | None]] = {name: [] for name in variants}
    hits = dict.fromkeys(variants, 0)
    for pair in pairs:
        previous = followup_check.previous_turn(variants["whole index"], pair.first.text)
        for name, retriever in variants.items():
            found = retriever.search(pair.follow_up, top_k=1, follow_up=previous)
            tops[name].append(found[0].text if found else None)
            hits[name] += evaluate.first_hit_rank(found, pair.second, dataset.articles) == 1
    print(f"{len(pairs)} follow-ups, {index.n_sentences} sentences")
    for name in variants:
        same = sum(a == b for a, b in zip(tops[name], tops["whole index"], strict=True))
        print(f"{name:40s} Hit@1 {hits[name] / len(pairs):.3f}  same top {same}/{len(pairs)}")


if __name__ == "__main__":
    main()
