"""The public Python API: `retrieval.open_retriever(dir).search(q)` from a plain script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import retrieval
from tests.conftest import CORPUS_DIR, REPO

# No `if __name__ == "__main__":` guard, as a user's first script would be written.
PLAIN_SCRIPT = """
import json, sys
import retrieval

retriever = retrieval.open_retriever(sys.argv[1])
hits = retriever.search("من هو مؤسس علي بابا؟", top_k=2)
print(json.dumps([
    {"text": h.text, "score": h.score, "title": h.article.title, "source": h.article.source,
     "date": h.article.date, "url": h.article.url}
    for h in hits
], ensure_ascii=False))
"""


def run_script(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(source, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=False,
    )


def test_a_plain_script_without_main_guard_searches_a_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    for _ in range(2):  # builds and saves the index, then loads it
        done = run_script(tmp_path, PLAIN_SCRIPT, str(corpus))
        assert done.returncode == 0, done.stderr[-2000:]
        hits = json.loads(done.stdout)
        assert 1 <= len(hits) <= 2 and "جاك ما" in hits[0]["text"]
        assert hits[0]["score"] > 0 and hits[0]["title"]
    assert (corpus / ".index" / "manifest.json").is_file()


def test_import_retrieval_is_light_and_exports_the_api() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, retrieval; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
        check=True,
    )
    assert "numpy" not in done.stdout and "scipy" not in done.stdout
    assert set(retrieval.__all__) == {
        "Article",
        "Hit",
        "PreviousTurn",
        "Retriever",
        "open_retriever",
    }
    assert all(getattr(retrieval, name) for name in retrieval.__all__)


def test_the_readme_example_runs_as_written(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Use from Python\n\n```python\n", 1)[1].split("```", 1)[0]
    shutil.copytree(CORPUS_DIR, tmp_path / "corpus")
    script = tmp_path / "example.py"
    script.write_text(example, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "جاك ما" in done.stdout.splitlines()[0]
