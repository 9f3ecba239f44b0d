"""The bot answering from a cluster (BACKEND=opensearch), and when the cluster is down."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import replies
from bot.config import ConfigError, Settings
from retrieval.corpus import Article
from retrieval.index import build
from retrieval.opensearch import BackendUnavailable, OpenSearchSettings, connect, sync_index
from retrieval.opensearch.live import ClusterLive
from retrieval.search import Retriever
from tests.bot_harness import bot_settings, running_bot, seed_corpus
from tests.conftest import CORPUS_DIR
from tests.fake_botapi import TEST_TOKEN, FakeBotApi

QUESTION = "كم عدد عمليات التخريب ضد علي بابا؟"
ARTICLES = [
    Article(id="a1", title="متحف", text="افتتح متحف الرمال في الرياض.", path="a1.txt"),
    Article(id="a2", title="نادي", text="فاز نادي النخيل بالبطولة.", path="a2.txt"),
]


@pytest.fixture
def seeded_cluster(loopback_opensearch: str) -> Iterator[OpenSearchSettings]:
    """The seed corpus indexed behind a fresh alias of the loopback server."""
    settings = OpenSearchSettings(url=loopback_opensearch, index=f"bot-{uuid.uuid4().hex[:8]}")
    client = connect(settings)
    sync_index(client, settings.index, Retriever.open(CORPUS_DIR).index)
    yield settings
    client.indices.delete(index=f"{settings.index}-*", ignore_unavailable=True)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_bot_answers_from_the_cluster(
    fake_botapi: FakeBotApi, tmp_path: Path, seeded_cluster: OpenSearchSettings
) -> None:
    empty = tmp_path / "unused-corpus"
    empty.mkdir()
    async with running_bot(bot_settings(fake_botapi, empty, opensearch=seeded_cluster)):
        fake_botapi.send_text(QUESTION)
        reply = await fake_botapi.wait_for("sendMessage")
    assert "وأعلن جاك ما المؤسس لموقع التجارة" in reply.params["text"]


async def test_an_unreachable_cluster_gets_service_unavailable_and_the_bot_keeps_running(
    fake_botapi: FakeBotApi, tmp_path: Path
) -> None:
    pytest.importorskip("opensearchpy")
    down = OpenSearchSettings(url=f"http://127.0.0.1:{_closed_port()}")
    settings = bot_settings(fake_botapi, seed_corpus(tmp_path / "corpus"), opensearch=down)
    async with running_bot(settings):
        fake_botapi.send_text(QUESTION)
        first = await fake_botapi.wait_for("sendMessage")
        fake_botapi.send_text("من هو مؤسس علي بابا؟")
        second = await fake_botapi.wait_for("sendMessage", lambda call: call is not first)
    assert first.params["text"] == replies.SERVICE_UNAVAILABLE
    assert second.params["text"] == replies.SERVICE_UNAVAILABLE


def test_backend_setting_reads_the_cluster_settings_and_hides_its_password() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
            "BACKEND": "opensearch",
            "OPENSEARCH_URL": "https://search.example:9200",
            "OPENSEARCH_USER": "bot",
            "OPENSEARCH_PASSWORD": "fake-cluster-password",
        }
    )
    assert settings.opensearch is not None and settings.opensearch.verify_certs
    assert "fake-cluster-password" in settings.secrets


@pytest.mark.parametrize(
    ("env", "message"),
    [({"BACKEND": "opensearch"}, "OPENSEARCH_URL"), ({"BACKEND": "solr"}, "BACKEND must be")],
)
def test_a_bad_backend_setting_is_a_config_error(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({"TELEGRAM_BOT_TOKEN": TEST_TOKEN, **env})


def test_cluster_live_serves_once_the_corpus_arrives_and_notices_an_update(
    loopback_opensearch: str,
) -> None:
    settings = OpenSearchSettings(url=loopback_opensearch, index=f"live-{uuid.uuid4().hex[:8]}")
    live = ClusterLive(settings)
    first = live.load()
    assert first.error is not None and "run `python -m retrieval index" in first.error
    with pytest.raises(BackendUnavailable):
        _ = live.current
    client = connect(settings)
    try:
        sync_index(client, settings.index, build(ARTICLES[:1]))
        assert live.reload().changed and live.current.stats().articles == 1
        assert not live.reload().changed  # nothing new: the same retriever keeps serving
        sync_index(client, settings.index, build(ARTICLES))
        assert live.reload().changed and live.current.stats().articles == 2
        assert live.current.search("أين افتتح متحف الرمال؟")[0].text.startswith("افتتح متحف")
    finally:
        client.indices.delete(index=f"{settings.index}-*", ignore_unavailable=True)
