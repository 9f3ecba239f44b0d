"""How much the OpenSearch backend sends per article (docs/scaling.md, 50M-article sizing).

    python benchmarks/opensearch_doc_size.py --corpus /tmp/scaling/corpus \
        [--index-dir /tmp/scaling/index-x1]

Builds every document `retrieval/opensearch/documents.py` would send for the corpus and
prints the document counts and the JSON source bytes per kind and per article.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval import store  # noqa: E402
from retrieval.opensearch.documents import CorpusDocuments  # noqa: E402


def main() -> None:
    """Print documents and bytes per kind; see the module docstring."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--index-dir")
    args = parser.parse_args()
    index_dir = Path(args.index_dir) if args.index_dir else None
    index = store.open_index(Path(args.corpus), index_dir).index
    documents = CorpusDocuments(index)
    count: Counter[str] = Counter()
    size: Counter[str] = Counter()
    for a in range(len(index.articles)):
        for _, source in documents.article_documents(a):
            count[source["kind"]] += 1
            size[source["kind"]] += len(json.dumps(source, ensure_ascii=False).encode("utf-8"))
    n = len(index.articles)
    for kind in ("sentence", "paragraph", "article"):
        print(
            f"{kind:9s} {count[kind]:>9,} documents  {size[kind] / 2**20:8.1f} MB  "
            f"{count[kind] / n:5.1f} and {size[kind] / n / 1024:5.1f} KB per article"
        )
    total = sum(size.values())
    print(
        f"all       {sum(count.values()):>9,} documents  {total / 2**20:8.1f} MB  "
        f"{total / n / 1024:5.1f} KB per article ({n:,} articles)"
    )


if __name__ == "__main__":
    main()
