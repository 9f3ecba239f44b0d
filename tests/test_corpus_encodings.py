"""Text encodings of article files: UTF-8 (BOM or not), UTF-16 with BOM, Windows-1256."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from retrieval.corpus import ArticleFormatError, decode_bytes, read_corpus

TITLE = "فروع الفلافل"
BODY = "أعلنت شركة الفلافل الذهبية، يوم الخميس، افتتاح فرعها العشرين في جدة؟ نعم: 20 فرعاً."
ENCODINGS = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8 with BOM": lambda text: text.encode("utf-8-sig"),
    "utf-16 LE with BOM": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16 BE with BOM": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "windows-1256": lambda text: text.encode("cp1256"),
}


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("suffix", [".txt", ".md", ".jsonl"])
def test_every_format_reads_in_every_encoding(tmp_path: Path, encoding: str, suffix: str) -> None:
    text = {
        ".txt": f"{TITLE}\n\n{BODY}\n",
        ".md": f"---\ntitle: {TITLE}\n---\n{BODY}\n",
        ".jsonl": json.dumps({"title": TITLE, "content": BODY}, ensure_ascii=False) + "\n",
    }[suffix]
    (tmp_path / f"article{suffix}").write_bytes(ENCODINGS[encoding](text))
    contents = read_corpus(tmp_path)
    assert contents.skipped == []
    [article] = contents.articles
    assert (article.title, article.text) == (TITLE, BODY)


@pytest.mark.parametrize(
    "text",
    [
        "نعم",
        "خبر",
        "مرحبا بكم",
        "وزير الطاقة: أسعار النفط مستقرة",
        "قال المتحدث باسم CNN إن 3.5 مليون مشاهد تابعوا البث.",
        "تُعَدّ الرِّياضُ عاصمةً؛ «اقتصادية» — أليس كذلك؟",
        "گزارش پژوهش کوتاه",
    ],
)
def test_short_windows_1256_arabic_round_trips_exactly(text: str) -> None:
    assert decode_bytes(text.encode("cp1256")) == text


def test_utf8_is_never_mistaken_for_windows_1256() -> None:
    assert decode_bytes(BODY.encode("utf-8")) == BODY
    assert decode_bytes("café résumé".encode()) == "café résumé"


def test_latin_legacy_text_is_not_forced_into_windows_1256() -> None:
    text = "The committee met on Monday and approved the budget for next year. " * 3
    assert decode_bytes(text.encode("cp1252")) == text


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x00\x01\x00" * 64,
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)),
        bytes(range(1, 9)) * 100,
    ],
)
def test_binary_data_is_refused_with_a_reason(data: bytes) -> None:
    with pytest.raises(ArticleFormatError, match="binary"):
        decode_bytes(data)


def test_windows_1256_file_is_searchable_like_utf8(tmp_path: Path) -> None:
    from retrieval.search import Retriever

    (tmp_path / "a.txt").write_bytes(f"{TITLE}\n\n{BODY}\n".encode("cp1256"))
    for n, topic in enumerate(("النفط", "الكتاب", "المطر", "الطلاب", "القدم")):
        (tmp_path / f"filler{n}.txt").write_text(f"خبر {n}\n\nخبر قصير عن {topic}.\n")
    hits = Retriever.open(tmp_path).search("كم فرعا افتتحت شركة الفلافل؟")
    assert hits and hits[0].article.path == "a.txt"
