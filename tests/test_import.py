"""Bulk import: .json/.jsonl/.zip in, one .jsonl per input out, deduplicated, boilerplate gone."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from retrieval.cli import main
from retrieval.corpus import read_corpus
from retrieval.importer import IMPORT_FOLDER, content_key, import_files, url_key
from tests.conftest import SHARED_DATA

FOOTER = "للتواصل مع الكاتب ارسل رسالة SMS"


def record(n: int, source: str = "almadina", **extra: str) -> dict[str, str]:
    """Return a SaudiNewsNet-shaped record with a distinct body."""
    return {
        "source": source,
        "url": f"http://example.sa/{source}/{n}",
        "date_extracted": "2015-07-21 02:51:32",
        "title": f"خبر رقم {n}",
        "author": "",
        "content": f"نص الخبر رقم {n} عن موضوع مختلف تماما.\nفقرة ثانية للخبر {n}.",
        **extra,
    }


def write_json(path: Path, records: list[dict], encoding: str = "utf-8") -> Path:
    path.write_bytes(json.dumps(records, ensure_ascii=False).encode(encoding))
    return path


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return tmp_path / "corpus"


def test_zip_of_a_json_array_imports_as_one_jsonl_file(tmp_path: Path, corpus: Path) -> None:
    day = json.dumps([record(n) for n in range(3)], ensure_ascii=False).encode()
    archive = write_zip(tmp_path / "2015-07-21.zip", {"2015-07-21.json": day})
    report = import_files([archive], corpus)
    assert (report.imported, sum(report.duplicates.values()), report.rejected) == (3, 0, [])
    [file_report] = report.files
    assert file_report.name == "2015-07-21.zip:2015-07-21.json"
    assert file_report.written == (corpus / IMPORT_FOLDER / "2015-07-21.jsonl").resolve()
    articles = read_corpus(corpus).articles
    assert [a.title for a in articles] == ["خبر رقم 0", "خبر رقم 1", "خبر رقم 2"]
    first = articles[0]
    assert (first.source, first.url, first.date) == (
        "almadina",
        "http://example.sa/almadina/0",
        "2015-07-21 02:51:32",
    )
    assert first.author is None and first.text.startswith("نص الخبر رقم 0")


def test_json_and_jsonl_files_import_directly(tmp_path: Path, corpus: Path) -> None:
    json_file = write_json(tmp_path / "a.json", [record(1)])
    jsonl_file = write_jsonl(tmp_path / "b.jsonl", [json.dumps(record(2), ensure_ascii=False)])
    report = import_files([json_file, jsonl_file], corpus)
    assert report.imported == 2
    assert sorted(p.name for p in (corpus / IMPORT_FOLDER).iterdir()) == ["a.jsonl", "b.jsonl"]


def test_windows_1256_json_imports_as_utf8(tmp_path: Path, corpus: Path) -> None:
    source = write_json(tmp_path / "legacy.json", [record(1)], encoding="cp1256")
    assert import_files([source], corpus).imported == 1
    written = (corpus / IMPORT_FOLDER / "legacy.jsonl").read_text(encoding="utf-8")
    assert "خبر رقم 1" in written


def test_bad_jsonl_line_is_rejected_and_the_others_import(tmp_path: Path, corpus: Path) -> None:
    lines = [
        json.dumps(record(1), ensure_ascii=False),
        '{"title": "نصف سطر',
        json.dumps(record(2, content=""), ensure_ascii=False),
        json.dumps(record(3), ensure_ascii=False),
    ]
    report = import_files([write_jsonl(tmp_path / "mixed.jsonl", lines)], corpus)
    assert report.imported == 2
    reasons = [(r.record, r.reason) for r in report.rejected]
    assert reasons[0][0] == 2 and reasons[0][1].startswith("invalid JSON")
    assert reasons[1] == (3, "no article text")
    assert report.refused_files == []
    assert [a.title for a in read_corpus(corpus).articles] == ["خبر رقم 1", "خبر رقم 3"]


def test_duplicates_by_url_and_by_normalized_text_are_dropped(tmp_path: Path, corpus: Path) -> None:
    same_url = record(1, title="عنوان آخر", content="نص مختلف لكن الرابط نفسه.")
    same_text = record(9, content=record(1)["content"].replace("الخبر", "الخَبَر"))
    same_url["url"] = "https://www.example.sa/almadina/1/#comments"
    source = write_json(tmp_path / "day.json", [record(1), same_url, same_text, record(2)])
    report = import_files([source], corpus)
    assert report.imported == 2
    assert report.duplicates == {"same URL": 1, "same text": 1}


def test_reimporting_finds_everything_already_in_the_corpus(tmp_path: Path, corpus: Path) -> None:
    source = write_json(tmp_path / "day.json", [record(n) for n in range(4)])
    import_files([source], corpus)
    again = import_files([source], corpus)
    assert again.existing_articles == 4
    assert (again.imported, again.duplicates["same URL"]) == (0, 4)
    assert [f.written for f in again.files] == [None]
    assert len(list((corpus / IMPORT_FOLDER).iterdir())) == 1


def test_articles_added_by_hand_count_as_existing(tmp_path: Path, corpus: Path) -> None:
    corpus.mkdir()
    (corpus / "hand.md").write_text(
        f"---\ntitle: يدوي\nurl: http://example.sa/almadina/1\n---\n{record(5)['content']}\n",
        encoding="utf-8",
    )
    report = import_files([write_json(tmp_path / "d.json", [record(1), record(5)])], corpus)
    assert report.imported == 0
    assert report.duplicates == {"same URL": 1, "same text": 1}


def test_line_repeated_across_a_sources_articles_is_stripped(tmp_path: Path, corpus: Path) -> None:
    records = [record(n) for n in range(8)]
    for item in records[:6]:
        item["content"] += f"\n{FOOTER}"
    for item in records[:4]:
        item["content"] += "\nسطر يتكرر في أربعة أخبار فقط."
    others = [record(n, source="okaz") for n in range(6)]
    others[0]["content"] += f"\n{FOOTER}"
    report = import_files([write_json(tmp_path / "day.json", records + others)], corpus)
    assert report.files[0].boilerplate == {"almadina": [FOOTER]}
    articles = read_corpus(corpus).articles
    assert all(FOOTER not in a.text for a in articles if a.source == "almadina")
    assert sum("أربعة أخبار فقط" in a.text for a in articles) == 4
    assert sum(FOOTER in a.text for a in articles if a.source == "okaz") == 1


def test_copy_of_a_stripped_article_is_recognised_in_a_later_import(
    tmp_path: Path, corpus: Path
) -> None:
    day1 = [record(n) for n in range(6)]
    for item in day1:
        item["content"] += f"\n{FOOTER}"
    copy = dict(day1[0], url="http://example.sa/almadina/copy")
    day2 = write_json(tmp_path / "day2.json", [copy, record(7)])
    import_files([write_json(tmp_path / "day1.json", day1)], corpus)
    report = import_files([day2], corpus)
    assert (report.imported, report.duplicates) == (1, {"same text": 1})
    again = import_files([day2], corpus)
    assert (again.imported, again.duplicates) == (0, {"same text": 1, "same URL": 1})


def test_whole_files_that_cannot_be_imported_are_refused_with_reasons(
    tmp_path: Path, corpus: Path
) -> None:
    good = write_json(tmp_path / "good.json", [record(1)])
    not_zip = tmp_path / "broken.zip"
    not_zip.write_bytes(b"this is not a zip")
    mixed = write_zip(
        tmp_path / "mixed.zip",
        {
            "notes.txt": b"hello",
            "bad.json": b"[{",
            "day/ok.json": json.dumps([record(2)]).encode(),
            "__MACOSX/._ok.json": b"\x00\x05",
        },
    )
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF")
    missing = tmp_path / "missing.json"
    big = write_json(tmp_path / "big.json", [record(3, content="نص طويل جدا. " * 100)])
    report = import_files([good, not_zip, mixed, pdf, missing, big], corpus, max_bytes=600)
    refused = {r.where.split("/")[-1]: r.reason for r in report.refused_files}
    assert refused["broken.zip"] == "not a readable zip archive"
    assert refused["mixed.zip:notes.txt"] == "not a .json or .jsonl file"
    assert refused["mixed.zip:bad.json"].startswith("invalid JSON")
    assert refused["paper.pdf"].startswith("unsupported file type")
    assert refused["missing.json"] == "No such file or directory"
    assert refused["big.json"].startswith("file too large")
    assert report.imported == 2
    assert sorted(a.title for a in read_corpus(corpus).articles) == ["خبر رقم 1", "خبر رقم 2"]


def test_url_key_ignores_scheme_www_fragment_slash_and_percent_encoding() -> None:
    assert url_key("https://www.Example.sa/أخبار/1/#top") == url_key(
        "http://example.sa/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/1"
    )
    assert url_key("http://example.sa/a?id=1") != url_key("http://example.sa/a?id=2")


def test_content_key_ignores_diacritics_hamza_forms_and_spacing() -> None:
    assert content_key("أعلنَ  الوزيرُ\nالقرار") == content_key("اعلن الوزير القرار")
    assert content_key("أعلن الوزير القرار") != content_key("أعلن الوزير قرارا")


def test_cli_import_prints_counts_and_exits_zero(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_json(tmp_path / "day.json", [record(1), record(1), record(2, content="")])
    assert main(["import", str(source), "--into", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert "day.json: 1 imported, 1 duplicate, 1 rejected" in out
    assert "total: 1 imported, 1 duplicate (1 same URL), 1 rejected" in out
    assert "rejected 1 × no article text: day.json record 3" in out


def test_cli_import_exits_one_when_a_file_is_refused(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(tmp_path / "missing.zip"), "--into", str(corpus)]) == 1
    assert "No such file or directory" in capsys.readouterr().out


@pytest.mark.slow
def test_all_saudinewsnet_zips_import_as_shipped(tmp_path: Path) -> None:
    zips = sorted((SHARED_DATA / "saudinewsnet").glob("*.zip"))
    if len(zips) != 18:
        pytest.skip("SaudiNewsNet zips not found beside the repository")
    report = import_files(zips, tmp_path / "corpus")
    total = report.imported + sum(report.duplicates.values()) + len(report.rejected)
    assert total == 31_030 and report.refused_files == []
    assert report.imported > 29_000
    assert len(list((tmp_path / "corpus" / IMPORT_FOLDER).iterdir())) == 18
    again = import_files(zips, tmp_path / "corpus")
    assert again.imported == 0 and again.existing_articles == report.imported


def test_unwritable_import_folder_is_reported_not_raised(tmp_path: Path, corpus: Path) -> None:
    corpus.mkdir()
    (corpus / IMPORT_FOLDER).write_text("a file where the folder should be", encoding="utf-8")
    source = write_json(tmp_path / "day.json", [record(1)])
    report = import_files([source], corpus)
    assert report.imported == 0
    [refused] = report.refused_files
    assert refused.reason.startswith("cannot write into")


def test_cli_import_into_a_path_below_a_file_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    source = write_json(tmp_path / "day.json", [record(1)])
    assert main(["import", str(source), "--into", str(blocker / "corpus")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cannot use corpus folder") and len(err.splitlines()) == 1
