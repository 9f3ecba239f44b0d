"""The root view: every analyzed term mapped to its Arabic root, so «اكتشف» meets «الاكتشافات».

The light stem joins the forms of one word; a root joins the words of one family (كتب،
كاتب، مكتب), which is looser evidence, so it is never a match on its own: the reranker
reads it as a feature beside the exact matches (retrieval/features.py). NLTK's ISRI
stemmer finds the roots: of the maintained candidates it was the fastest (88k news terms in
about 1 s against about 4 s for tashaphyne's root extraction) and gave the better roots on
a sample of families (docs/quality.md). A root is kept as a 63-bit hash, so an index needs
no second vocabulary and a question's root needs no lookup table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
from nltk.stem.isri import ISRIStemmer


def _key(root: str) -> int:
    """Return a 63-bit hash of `root` that is the same in every process (unlike hash())."""
    digest = hashlib.blake2b(root.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x7FFF_FFFF_FFFF_FFFF


def root_keys(terms: Iterable[str]) -> np.ndarray:
    """Return the hash of the root of each analyzed term (int64), in order."""
    stem = ISRIStemmer().stem
    return np.fromiter((_key(stem(t)) for t in terms), dtype=np.int64)
