"""Word vectors: a pickle-free file that reads back as written, deterministic training, the
reranker's vector features, and exact matching (with one warning) without a usable file."""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import numpy as np
import pytest

from retrieval import analyzer, features, ranking, vector_features, vectors
from retrieval.index import CorpusIndex, build
from tests.test_rerank import QUESTIONS, news


@pytest.fixture(scope="module")
def index() -> CorpusIndex:
    return build(news())


def made(terms: list[str], rows: list[list[float]]) -> vectors.TermVectors:
    return vectors.TermVectors(tuple(terms), np.asarray(rows, dtype=np.float64), {"by": "test"})


def test_a_saved_file_reads_back_as_unit_float16_rows(tmp_path: Path):
    path = tmp_path / "vectors.npz"
    vectors.save(path, made(["حمل", "طفل", "تطعيم"], [[3, 4], [0, 2], [0, 0]]))
    back = vectors.read(path)
    assert back.terms == ("حمل", "طفل", "تطعيم")
    assert back.vectors.dtype == np.float16
    np.testing.assert_allclose(back.vectors, [[0.6, 0.8], [0, 1], [0, 0]], atol=1e-3)
    assert back.header["by"] == "test" and back.header["format"] == vectors.FORMAT_VERSION


def test_the_same_vectors_give_the_same_bytes(tmp_path: Path):
    first, second = tmp_path / "first.npz", tmp_path / "second.npz"
    vectors.save(first, made(["حمل", "طفل"], [[3, 4], [0, 2]]))
    vectors.save(second, made(["حمل", "طفل"], [[3, 4], [0, 2]]))
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:  # no time stamp that would differ between runs
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_file_holds_no_pickle(tmp_path: Path):
    path = tmp_path / "vectors.npz"
    vectors.save(path, made(["حمل"], [[1, 0]]))
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["header.npy", "terms.npy", "vectors.npy"]
    with np.load(path, allow_pickle=False) as data:
        assert all(data[name].dtype != object for name in data.files)
        assert json.loads(bytes(data["header"]).decode("utf-8"))["analysis"]


def test_rows_map_index_terms_to_vectors_and_unknown_terms_to_none(index: CorpusIndex):
    known = sorted(index.vocabulary)[:2]
    rows = made([known[1], "غائب", known[0]], [[1, 0], [0, 1], [1, 1]]).rows_of(index.vocabulary)
    assert rows[index.vocabulary[known[0]]] == 2 and rows[index.vocabulary[known[1]]] == 0
    assert (rows == -1).sum() == len(index.vocabulary) - 2


@pytest.mark.parametrize("content", [None, b"not a zip", b"PK\x03\x04broken"])
def test_a_missing_or_corrupt_file_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes | None
):
    path = tmp_path / "vectors.npz"
    if content is not None:
        path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="retrieval.vectors"):
        assert vectors.load(path) is None
        assert vectors.load(path) is None
    warnings = [r for r in caplog.records if r.name == "retrieval.vectors"]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage()


def test_a_file_made_with_another_analysis_is_refused(tmp_path: Path):
    path = tmp_path / "vectors.npz"
    vectors.save(path, made(["حمل"], [[1, 0]]))
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    header = json.loads(bytes(arrays["header"]).decode("utf-8")) | {"analysis": "other"}
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(vectors.VectorsFormatError, match="another analyzer"):
        vectors.read(path)


def test_training_twice_gives_the_same_vectors():
    gensim_train = pytest.importorskip("retrieval.vectors_train")
    pytest.importorskip("gensim")
    sentences = gensim_train.term_sentences(news())
    params = gensim_train.VectorParams(dim=8, min_count=1, buckets=1000, epochs=2)
    first, second = (gensim_train.train(sentences, params) for _ in range(2))
    assert first.terms == second.terms and len(first.terms) > 20
    assert np.array_equal(first.vectors, second.vectors)


def vector_columns(index: CorpusIndex, path: Path, question: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (candidate sentence ids, their vector columns) for `question` with the vectors
    at `path`, the columns found by name (other columns may follow them)."""
    query = ranking.analyze(index, question)
    found = ranking.Ranker(index, ranking.RankingParams()).hand_rank(query)
    rows = features.matrix(index, query, found, 50, features.IndexFacts.of(index, path))
    at = [features.NAMES.index(name) for name in vector_features.NAMES]
    return found.docs[: len(rows)], rows[:, at]


def test_a_sentence_holding_a_close_word_gains_and_only_then(index: CorpusIndex, tmp_path: Path):
    # «الممرضات» is no word of the corpus; give it the vector of «الطبية» (in some sentences).
    (asked,) = analyzer.terms("الممرضات")
    (close,) = analyzer.terms("الطبية")
    assert asked not in index.vocabulary
    path = tmp_path / "vectors.npz"
    vectors.save(path, made([asked, close], [[1, 0], [1, 0.01]]))
    docs, columns = vector_columns(index, path, "كم الممرضات في حملة التطعيم؟")
    ptr, close_id = index.sent_token_ptr, index.vocabulary[close]
    holds = np.array([close_id in index.token_terms[ptr[d] : ptr[d + 1]] for d in docs])
    assert holds.any() and not holds.all()
    assert (columns[holds, 0] > 0.1).all() and (columns[~holds, 0] == 0).all()
    assert np.array_equal(columns, vector_columns(index, path, "كم الممرضات في حملة التطعيم؟")[1])


def test_without_vectors_the_columns_are_neutral(index: CorpusIndex, tmp_path: Path):
    for question in QUESTIONS:
        assert not vector_columns(index, tmp_path / "missing.npz", question)[1].any()


def test_the_vectors_command_writes_a_readable_file_or_says_why_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    pytest.importorskip("gensim")
    from retrieval import cli

    assert cli.main(["vectors", "--news", str(tmp_path), "--out", str(tmp_path / "v.npz")]) == 1
    assert "no SaudiNewsNet day archives" in capsys.readouterr().err
    records = [{"title": a.title, "content": a.text} for a in news()]
    with zipfile.ZipFile(tmp_path / "2015-07-21.zip", "w") as archive:
        archive.writestr("2015-07-21.json", json.dumps(records, ensure_ascii=False))
    out = tmp_path / "v.npz"
    assert cli.main(["vectors", "--news", str(tmp_path), "--out", str(out)]) == 0
    assert vectors.read(out).terms and "written to" in capsys.readouterr().out


def test_the_shipped_vectors_are_readable_and_made_with_this_analysis():
    shipped = vectors.read(vectors.VECTORS_PATH)  # raises if the analyzer changed since
    assert len(shipped.terms) > 10_000 and shipped.vectors.shape[1] == 64
    wanted = [analyzer.terms(word)[0] for word in ("الحكومة", "وزارة", "السعودية", "مشروع")]
    assert all(term in shipped.row for term in wanted)
