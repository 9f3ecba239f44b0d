"""OpenSearch settings and an unreachable cluster: one clear line, never a traceback."""

from __future__ import annotations

import socket

import pytest

from retrieval import cli
from retrieval.opensearch import BackendUnavailable, OpenSearchSettings, connect
from retrieval.opensearch.client import redacted


def test_settings_come_from_the_environment_and_verify_tls_by_default() -> None:
    settings = OpenSearchSettings.from_env(
        {
            "OPENSEARCH_URL": "https://search.example:9200",
            "OPENSEARCH_USER": "reader",
            "OPENSEARCH_PASSWORD": "fake-password-for-tests",
        }
    )
    assert settings.url == "https://search.example:9200"
    assert (settings.user, settings.password) == ("reader", "fake-password-for-tests")
    assert settings.verify_certs is True
    assert "fake-password-for-tests" not in repr(settings)


def test_the_url_option_overrides_the_environment() -> None:
    settings = OpenSearchSettings.from_env({"OPENSEARCH_URL": "http://a:1"}, url="http://b:2")
    assert settings.url == "http://b:2"


def test_no_url_anywhere_is_one_line_naming_the_variable() -> None:
    with pytest.raises(BackendUnavailable, match="set OPENSEARCH_URL"):
        OpenSearchSettings.from_env({})


def test_credentials_in_a_url_never_reach_a_message() -> None:
    assert redacted("https://u:fake-secret@host:9200/") == "https://…@host:9200/"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_cluster_raises_backend_unavailable() -> None:
    pytest.importorskip("opensearchpy")
    with pytest.raises(BackendUnavailable, match="cannot connect"):
        connect(OpenSearchSettings(url=f"http://127.0.0.1:{_closed_port()}"))


@pytest.mark.parametrize("command", ["ask", "index"])
def test_cli_with_an_unreachable_cluster_prints_one_line_and_exits_1(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("opensearchpy")
    monkeypatch.setenv("OPENSEARCH_URL", f"http://127.0.0.1:{_closed_port()}")
    argv = [command, "--backend", "opensearch", "--corpus", "corpus"]
    code = cli.main([*argv, "سؤال"] if command == "ask" else argv)
    err = capsys.readouterr().err
    assert code == cli.EXIT_FAILURE
    assert err.count("\n") == 1 and err.startswith("error: OpenSearch at http://127.0.0.1:")
    assert "Traceback" not in err
