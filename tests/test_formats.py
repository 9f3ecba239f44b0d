"""One registry of article formats: every suffix list, message and help text derives from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import replies
from bot.config import Settings
from retrieval import add, formats
from retrieval.cli import build_parser
from tests.conftest import CORPUS_DIR
from tests.fake_botapi import TEST_TOKEN

README = (CORPUS_DIR / "README.md").read_text(encoding="utf-8")


def test_the_suffix_lists_are_views_of_the_registry() -> None:
    assert formats.ARTICLE_SUFFIXES == (".txt", ".md", ".json", ".jsonl")
    assert formats.UPLOAD_SUFFIXES == (".txt", ".md", ".jsonl")
    assert formats.IMPORT_SUFFIXES == (".json", ".jsonl", ".zip")
    assert formats.layout_of(".JSONL") is formats.Layout.JSON_LINES
    assert formats.layout_of(".pdf") is None


def test_upload_refusals_name_exactly_the_uploadable_suffixes(tmp_path: Path) -> None:
    refusal = replies.upload_wrong_type_message("photo.pdf")
    with pytest.raises(add.AddError) as raised:
        add.add_document(tmp_path, "photo.pdf", b"text")
    for suffix in (f.suffix for f in formats.FORMATS):
        assert (f"\u200e{suffix} " in refusal) == (suffix in formats.UPLOAD_SUFFIXES)
    assert str(raised.value).endswith(f"send {formats.listing(formats.UPLOAD_SUFFIXES)}")


def test_import_help_lists_the_importable_suffixes() -> None:
    help_text = build_parser().format_help()
    assert formats.listing(formats.IMPORT_SUFFIXES) in help_text


def test_corpus_readme_names_every_format_and_the_upload_limit() -> None:
    for f in formats.FORMATS:
        assert f"`{f.suffix}`" in README
    assert f"{formats.DEFAULT_MAX_UPLOAD_BYTES // 1_000_000} MB" in README


def test_one_default_upload_limit_for_the_bot_and_add() -> None:
    assert Settings(token=TEST_TOKEN).max_upload_bytes == formats.DEFAULT_MAX_UPLOAD_BYTES
    assert add.add_document.__defaults__ == (formats.DEFAULT_MAX_UPLOAD_BYTES,)
