"""Shared fixtures: the repository's own corpus and the shared measurement data, if present."""

from __future__ import annotations

import json
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from retrieval.corpus import Article, make_article
from tests.fake_botapi import FakeBotApi

REPO = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO / "corpus"
SHARED_DATA = REPO.parent / "shared" / "data"


def saudinewsnet_sample(limit: int) -> list[Article]:
    """Return the first `limit` SaudiNewsNet articles of one day, read from ../shared/data.

    Skips the calling test when the shared data is not beside the repository.
    """
    path = SHARED_DATA / "saudinewsnet" / "2015-07-21.zip"
    if not path.exists():
        pytest.skip(f"shared data not found: {path}")
    with zipfile.ZipFile(path) as archive:
        records = json.loads(archive.read(archive.namelist()[0]))
    articles = []
    for n, record in enumerate(records[:limit]):
        meta = {k: record.get(k) for k in ("title", "source", "url", "author")}
        meta["date"] = record.get("date_extracted")
        articles.append(make_article(f"snn-{n}", path.name, meta, record.get("content") or "-"))
    return articles


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """Return the repository's corpus folder (it ships with the seed article)."""
    return CORPUS_DIR


@pytest.fixture
async def fake_botapi() -> AsyncIterator[FakeBotApi]:
    """A running loopback Telegram Bot API server (tests/fake_botapi.py), stopped afterwards."""
    async with FakeBotApi() as server:
        yield server


@pytest.fixture(scope="session")
def loopback_opensearch() -> Iterator[str]:
    """The URL of an osmem-server on 127.0.0.1 for the whole session (tests/opensearch_server.py).

    Skips when the optional opensearch extra (opensearch-py, osmem-server) is not installed.
    """
    pytest.importorskip("opensearchpy")
    pytest.importorskip("osmem_server")
    from tests.opensearch_server import osmem_server

    with osmem_server() as url:
        yield url
