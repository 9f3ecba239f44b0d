"""Near-duplicate sentences and articles: the same news reprinted by several papers.

Papers reprint wire stories in slightly different words, so one fact turns up as several
sentences whose sets of analyzed terms mostly agree. Each sentence gets a *cluster id* and
each article a *story id*; copies share it. Search shows one sentence per cluster and names
the other papers that carried it.

How (vectorised over the token arrays the index keeps; no loop over sentences):
1. MinHash: each term gets `N_HASHES` hash values derived from the CRC-32 of its text (not
   its id, which changes when the vocabulary grows); a sentence's signature is the minimum
   of each over its terms, and an article's is the minimum over its sentences (the MinHash
   of a union). Two signatures agree on a hash with probability equal to the Jaccard
   similarity of the two term sets.
2. LSH: signatures are cut into `BANDS` bands of `ROWS` hashes; sentences whose band agrees
   sort next to each other, and each neighbouring pair is a candidate. A candidate pair is
   linked when the signatures agree on at least the threshold's share of all the hashes.
3. Clusters without chains: in each connected component of the links, the member with the
   most links is the centre, and only the members that agree with the centre itself join
   it, then the free members linked to a joined one (one hop). Connected components alone
   would chain «met A» to «met B» to «met C» into one cluster of hundreds of different
   facts. What is left is grouped again the same way, `_ROUNDS` times at most. Sentences
   with the same words in the same order (`sent_key`) always share a cluster.
4. A cluster is named by its centre's key (`sent_key` for sentences, a hash of the article
   id for articles): content-derived, so the same corpus gives the same ids however it was
   assembled, and an update leaves unrelated clusters' ids alone.

Search adds an exact check on what it shows (`is_near_copy`), for the pairs the estimate
missed. The thresholds were measured with benchmarks/duplicates_check.py (docs/quality.md,
"One story, one answer"); changing one changes the index: bump analyzer.ANALYZER_VERSION.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence

import numpy as np
from scipy import sparse

N_HASHES = 24
ROWS = 3
BANDS = N_HASHES // ROWS
# Least estimated Jaccard similarity of the analyzed terms of two copies of a sentence.
SENTENCE_THRESHOLD = 0.5
# ... and of the whole texts of two copies of an article (one story).
STORY_THRESHOLD = 0.5
# Sentences with fewer distinct terms are too short to call copies ("وقال الوزير"); they
# join a cluster only with the very same words (`sent_key`).
MIN_TERMS = 4
# Two shown sentences sharing this share of their distinct terms are near-copies: the line
# benchmarks/duplicates_check.py draws, checked exactly at query time.
NEAR_COPY = 0.6
# A member of a cluster is a copy of the shown sentence (hidden, and named in `Hit.also`)
# only if it shares this much with it exactly: a cluster's estimate and one-hop joins may
# hold a sentence that says something else.
COPY = 0.5
_SEED = 15
_ROUNDS = 3
_NO_HASH = np.iinfo(np.uint32).max


def term_hashes(terms: Sequence[str]) -> np.ndarray:
    """Return the N_HASHES × len(terms) uint32 MinHash values of each term.

    Derived from each term's text with multiply-shift hashing, so a term hashes alike in
    every index whatever its id.
    """
    base = np.fromiter(
        (zlib.crc32(t.encode("utf-8")) for t in terms), dtype=np.uint64, count=len(terms)
    )
    rng = np.random.default_rng(_SEED)
    multipliers = rng.integers(1, 2**63, N_HASHES, dtype=np.uint64) | np.uint64(1)
    offsets = rng.integers(0, 2**63, N_HASHES, dtype=np.uint64)
    mixed = multipliers[:, None] * base[None, :] + offsets[:, None]  # wraps modulo 2**64
    return (mixed >> np.uint64(32)).astype(np.uint32)


def signatures(hashes: np.ndarray, token_terms: np.ndarray, token_ptr: np.ndarray) -> np.ndarray:
    """Return the MinHash signatures (N_HASHES × n_docs, uint32) of documents whose term
    ids are token_terms[token_ptr[d]:token_ptr[d + 1]]; an empty document gets all-max."""
    n_docs = len(token_ptr) - 1
    result = np.full((hashes.shape[0], n_docs), _NO_HASH, dtype=np.uint32)
    filled = np.flatnonzero(np.diff(token_ptr) > 0)
    if len(filled) == 0:
        return result
    starts = token_ptr[filled]
    tokens = token_terms.astype(np.intp)  # take() with native indices: no conversion per hash
    for j in range(hashes.shape[0]):
        result[j, filled] = np.minimum.reduceat(hashes[j].take(tokens), starts)
    return result


def grouped_signatures(signature: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Return the signatures of groups of documents (`group` ascending): the MinHash of the
    union of their terms, so no token is read twice."""
    result = np.full((signature.shape[0], n_groups), _NO_HASH, dtype=np.uint32)
    if len(group) == 0:
        return result
    firsts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    result[:, group[firsts]] = np.minimum.reduceat(signature, firsts, axis=1)
    return result


def _candidate_pairs(signature: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Return (2, n) pairs of eligible documents whose signatures agree on a whole band:
    neighbours once sorted by the band."""
    docs = np.flatnonzero(eligible)
    pairs = [np.empty((2, 0), dtype=np.int64)]
    for band in range(BANDS):
        key = np.zeros(len(docs), dtype=np.uint64)
        for row in signature[band * ROWS : (band + 1) * ROWS]:
            key = key * np.uint64(0x9E3779B97F4A7C15) + row[docs]  # wraps modulo 2**64
        order = np.argsort(key)
        same = key[order[1:]] == key[order[:-1]]
        pairs.append(np.stack([docs[order[:-1][same]], docs[order[1:][same]]]))
    found = np.concatenate(pairs, axis=1)
    # A pair found in several bands is one link: unique over one int64 code per pair.
    low, high = np.minimum(found[0], found[1]), np.maximum(found[0], found[1])
    codes = np.unique(low * len(eligible) + high)
    return np.stack([codes // len(eligible), codes % len(eligible)])


def _agreement(signature: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Return the share of hashes on which the signatures of left[i] and right[i] agree
    (the estimated Jaccard similarity of their term sets)."""
    agree = np.zeros(len(left), dtype=np.int32)
    for row in signature:
        agree += row[left] == row[right]
    result: np.ndarray = agree / signature.shape[0]
    return result


def _identical_pairs(keys: np.ndarray) -> np.ndarray:
    """Return (2, n) document pairs with the same key (neighbours after sorting)."""
    order = np.argsort(keys, kind="stable")
    same = keys[order[1:]] == keys[order[:-1]]
    return np.stack([order[:-1][same], order[1:][same]])


def clusters(
    signature: np.ndarray,
    keys: np.ndarray,
    eligible: np.ndarray,
    threshold: float,
) -> np.ndarray:
    """Return the cluster id of each document: the key of its cluster's centre.

    Documents with equal keys share a cluster. Eligible documents whose signatures agree on
    at least `threshold` of the hashes are linked; the clusters are cut from the links as
    the module docstring says (step 3). A document left alone keeps its own key.
    """
    n = len(keys)
    candidates = _candidate_pairs(signature, eligible)
    linked = candidates[:, _agreement(signature, *candidates) >= threshold]
    identical = _identical_pairs(keys)
    result = keys.astype(np.int64, copy=True)
    free = np.ones(n, dtype=bool)
    for _ in range(_ROUNDS):
        links = linked[:, free[linked[0]] & free[linked[1]]]
        if not links.size:
            break
        centre = _centres(np.concatenate([links, identical], axis=1), keys)
        grouped = np.flatnonzero(free & (centre != np.arange(n)))
        joins = grouped[_agreement(signature, grouped, centre[grouped]) >= threshold]
        result[joins] = keys[centre[joins]]
        free[joins] = False
        free[centre[joins]] = False
        _join_neighbours(linked, result, free)
    return result


def _join_neighbours(linked: np.ndarray, result: np.ndarray, free: np.ndarray) -> None:
    """Put each free document linked to a clustered one into that cluster (the smallest id
    when there are several): one hop from a member, so clusters stay tight."""
    both = np.concatenate([linked, linked[::-1]], axis=1)
    hop = both[:, free[both[0]] & ~free[both[1]]]
    if not hop.size:
        return
    best = np.full(len(result), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, hop[0], result[hop[1]])
    joined = np.unique(hop[0])
    result[joined] = best[joined]
    free[joined] = False


def _centres(edges: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Return, for each document, the member of its connected component (over `edges`)
    with the most links, or on a tie the smallest key."""
    from scipy.sparse import csgraph  # only when compiling: 70 ms less for every start

    n = len(keys)
    graph = sparse.coo_matrix((np.ones(edges.shape[1]), (edges[0], edges[1])), shape=(n, n))
    n_components, labels = csgraph.connected_components(graph, directed=False)
    degree = np.bincount(edges.ravel(), minlength=n)
    most = np.zeros(n_components, dtype=np.int64)
    np.maximum.at(most, labels, degree)
    candidate_keys = np.where(degree == most[labels], keys, np.iinfo(np.int64).max)
    smallest = np.full(n_components, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, labels, candidate_keys)
    holders = np.flatnonzero(candidate_keys == smallest[labels])
    centre = np.empty(n_components, dtype=np.int64)
    centre[labels[holders]] = holders  # equal keys are copies: any of them will do
    result: np.ndarray = centre[labels]
    return result


def overlaps(a: frozenset[int], b: frozenset[int], share: float) -> bool:
    """Return whether two term sets have an exact Jaccard similarity of at least `share`
    (equal sets always do, even empty ones)."""
    common = len(a & b)
    return a == b or (common > 0 and common >= share * (len(a) + len(b) - common))


def is_near_copy(a: frozenset[int], b: frozenset[int]) -> bool:
    """Return whether two sentences' term sets overlap at least NEAR_COPY (exact; the
    clusters estimate it): search never shows two such sentences."""
    return overlaps(a, b, NEAR_COPY)


def is_copy(a: frozenset[int], b: frozenset[int]) -> bool:
    """Return whether a member of a shown sentence's cluster overlaps it at least COPY
    (exact): only then is it hidden behind it and named as a copy of it."""
    return overlaps(a, b, COPY)


def publication_rank(dates: Sequence[str | None]) -> np.ndarray:
    """Return each article's rank by publication date, earliest first (ISO dates compare as
    text; undated articles last, then in index order): the tie-break among copies."""
    order = sorted(range(len(dates)), key=lambda a: (not dates[a], dates[a] or ""))
    rank = np.empty(len(dates), dtype=np.int32)
    rank[order] = np.arange(len(dates), dtype=np.int32)
    return rank


def article_keys(article_ids: Sequence[str]) -> np.ndarray:
    """Return a 63-bit hash of each article id, the same in every process: story names."""
    return np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(a.encode("utf-8"), digest_size=8).digest(), "little")
            & 0x7FFF_FFFF_FFFF_FFFF
            for a in article_ids
        ),
        dtype=np.int64,
        count=len(article_ids),
    )


def sentence_clusters(
    terms: Sequence[str],
    token_terms: np.ndarray,
    sent_token_ptr: np.ndarray,
    sent_key: np.ndarray,
    distinct_terms: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (cluster id of each sentence, the sentences' MinHash signatures).

    `token_terms` index `terms`; sentence i has `distinct_terms[i]` distinct terms. The
    signatures are returned so that story ids can be derived from them without re-reading
    the tokens.
    """
    signature = signatures(term_hashes(terms), token_terms, sent_token_ptr)
    eligible = distinct_terms >= MIN_TERMS
    return clusters(signature, sent_key, eligible, SENTENCE_THRESHOLD), signature


def story_ids(
    sentence_signature: np.ndarray,
    sent_article: np.ndarray,
    article_ids: Sequence[str],
    distinct_terms: np.ndarray,
) -> np.ndarray:
    """Return the story id of each article: copies of one story (estimated Jaccard of their
    texts' terms at least STORY_THRESHOLD) share it."""
    n_articles = len(article_ids)
    signature = grouped_signatures(sentence_signature, sent_article, n_articles)
    eligible = distinct_terms >= MIN_TERMS
    return clusters(signature, article_keys(article_ids), eligible, STORY_THRESHOLD)


class ClusterMembers:
    """The sentences of each cluster of more than one, to list a shown sentence's copies."""

    def __init__(self, cluster: np.ndarray) -> None:
        order = np.argsort(cluster, kind="stable")
        ids = cluster[order]
        shared = np.zeros(len(ids), dtype=bool)
        shared[1:] |= ids[1:] == ids[:-1]
        shared[:-1] |= ids[1:] == ids[:-1]
        self._sentences = order[shared]
        self._ids = ids[shared]

    def of(self, cluster_id: int) -> np.ndarray:
        """Return the sentences of cluster `cluster_id` in index order (empty for a cluster
        of one)."""
        lo = int(np.searchsorted(self._ids, cluster_id, side="left"))
        hi = int(np.searchsorted(self._ids, cluster_id, side="right"))
        result: np.ndarray = self._sentences[lo:hi]
        return result
