"""A LightGBM text-format model read and evaluated with numpy alone.

Serving the reranker must not import LightGBM: with scikit-learn beside it, the import takes
about a second, which a one-question `python -m retrieval ask` would pay every time. The
model's trees are plain numerical splits; `Forest` walks all trees for all rows at once, one
numpy step per tree level, and gives LightGBM's own `predict` (tests/test_rerank.py holds
both equal). Categorical splits and linear trees are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_DEFAULT_LEFT = 2  # LightGBM's decision_type bits
_CATEGORICAL = 1
_ZERO_MISSING = 1  # (decision_type >> 2) & 3
_ZERO = 1e-35  # LightGBM's kZeroThreshold


class ModelFormatError(ValueError):
    """The text is not a LightGBM model this reader can evaluate."""


@dataclass(frozen=True, slots=True)
class Forest:
    """The internal nodes of all trees in flat arrays, numbered across trees.

    A child at or above zero is the number of another internal node; below zero it is a
    leaf, whose value is `leaf_value[~child]`. `roots` holds each tree's first node (a
    negative one for a tree that is a single leaf).
    """

    feature_names: tuple[str, ...]
    feature: np.ndarray
    threshold: np.ndarray
    default_left: np.ndarray
    zero_missing: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf_value: np.ndarray
    roots: np.ndarray

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Return the model's raw score of each row (the sum of its leaf in every tree).

        Every (tree, row) pair walks down one level per step; pairs that reach a leaf
        leave the arrays, so each step works only on the pairs still inside a tree.
        """
        n_rows = len(rows)
        values = np.ascontiguousarray(np.asarray(rows, dtype=np.float64).T).ravel()
        total = np.zeros(n_rows)
        node = np.repeat(self.roots, n_rows)
        row = np.tile(np.arange(n_rows), len(self.roots))
        check_zero = bool(self.zero_missing.any())
        while len(node):
            leaf = node < 0
            if leaf.any():
                total += np.bincount(row[leaf], self.leaf_value[~node[leaf]], n_rows)
                node, row = node[~leaf], row[~leaf]
            if not len(node):
                break
            x = values[self.feature[node] * n_rows + row]
            go_left = x <= self.threshold[node]
            if check_zero:
                zero = self.zero_missing[node] & (np.abs(x) <= _ZERO)
                go_left = np.where(zero, self.default_left[node], go_left)
            node = np.where(go_left, self.left[node], self.right[node])
        return total


def _fields(block: str) -> dict[str, str]:
    """Return the key=value lines of one section of the model text."""
    pairs = (line.split("=", 1) for line in block.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _numbers(fields: dict[str, str], key: str, kind: type) -> np.ndarray:
    """Return the space-separated numbers of `key` (empty when absent)."""
    text = fields.get(key, "")
    return np.array([kind(v) for v in text.split()], dtype=kind)


def read(text: str) -> Forest:
    """Return the forest of a LightGBM text model; raise ModelFormatError when it is not one."""
    head, _, body = text.partition("\nTree=")
    header = _fields(head)
    if not head.startswith("tree") or "feature_names" not in header:
        raise ModelFormatError("not a LightGBM text model")
    names = tuple(header["feature_names"].split())
    blocks = ("Tree=" + body).split("\nTree=")
    blocks = [b.split("end of trees")[0] for b in blocks if b.strip() and "num_leaves" in b]
    if not blocks:
        raise ModelFormatError("the model has no trees")
    try:
        trees = [_fields(b) for b in blocks]
        return _padded(names, trees)
    except (KeyError, ValueError, IndexError) as exc:
        raise ModelFormatError(f"unreadable tree: {exc}") from exc


def _padded(names: tuple[str, ...], trees: list[dict[str, str]]) -> Forest:
    """Return the trees' nodes and leaves numbered across all trees."""
    if any(int(t.get("num_cat", "0")) or t.get("is_linear", "0") != "0" for t in trees):
        raise ModelFormatError("categorical or linear trees are not supported")
    feature: list[np.ndarray] = []
    threshold: list[np.ndarray] = []
    decision: list[np.ndarray] = []
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    leaves: list[np.ndarray] = []
    roots: list[int] = []
    n_nodes = n_leaves = 0
    for tree in trees:
        values = _numbers(tree, "leaf_value", float)
        inner = int(tree["num_leaves"]) - 1
        roots.append(n_nodes if inner else ~n_leaves)
        if inner:
            feature.append(_numbers(tree, "split_feature", int))
            threshold.append(_numbers(tree, "threshold", float))
            decision.append(_numbers(tree, "decision_type", int))
            for side, out in (("left_child", left), ("right_child", right)):
                child = _numbers(tree, side, int)
                out.append(np.where(child >= 0, child + n_nodes, child - n_leaves))
        leaves.append(values)
        n_nodes += inner
        n_leaves += len(values)
    decisions = np.concatenate([np.zeros(0, dtype=int), *decision])
    features = np.concatenate([np.zeros(0, dtype=int), *feature])
    if (decisions & _CATEGORICAL).any() or (features >= len(names)).any():
        raise ModelFormatError("a split the reader cannot evaluate")
    return Forest(
        feature_names=names,
        feature=features,
        threshold=np.concatenate([np.zeros(0), *threshold]),
        default_left=(decisions & _DEFAULT_LEFT) > 0,
        zero_missing=((decisions >> 2) & 3) == _ZERO_MISSING,
        left=np.concatenate([np.zeros(0, dtype=int), *left]),
        right=np.concatenate([np.zeros(0, dtype=int), *right]),
        leaf_value=np.concatenate(leaves),
        roots=np.asarray(roots, dtype=np.int64),
    )
