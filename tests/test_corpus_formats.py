"""Reading article files: every supported format, and bad files skipped with their reason."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from retrieval.corpus import find_article_files, read_corpus, read_file

BODY = "أعلنت شركة الفلافل الذهبية افتتاح فرعها العشرين في مدينة جدة يوم الخميس."


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_txt_in_seed_layout_gives_category_title_and_body(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", f"اقتصاد\n\nفروع الفلافل\n\n{BODY}\n\nفقرة ثانية.\n")
    [article] = read_corpus(tmp_path).articles
    assert (article.category, article.title) == ("اقتصاد", "فروع الفلافل")
    assert article.text == f"{BODY}\n\nفقرة ثانية."
    assert article.id == article.path == "a.txt"


def test_txt_with_title_directly_followed_by_body(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", f"فروع الفلافل\n{BODY}\n")
    [article] = read_corpus(tmp_path).articles
    assert (article.category, article.title, article.text) == (None, "فروع الفلافل", BODY)


def test_md_front_matter_fields_are_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.md",
        "---\ntitle: فروع الفلافل\nsource: sabq\nurl: https://example.com/a\n"
        f"date: 2015-07-21\ncategory: اقتصاد\nauthor: كاتب\n---\n{BODY}\n",
    )
    [article] = read_corpus(tmp_path).articles
    assert article.title == "فروع الفلافل" and article.text == BODY
    assert (article.source, article.url, article.date) == (
        "sabq",
        "https://example.com/a",
        "2015-07-21",
    )
    assert (article.category, article.author) == ("اقتصاد", "كاتب")


def test_md_without_front_matter_takes_its_heading_as_title(tmp_path: Path) -> None:
    write(tmp_path, "a.md", f"# فروع الفلافل\n\n{BODY}\n")
    [article] = read_corpus(tmp_path).articles
    assert (article.title, article.text) == ("فروع الفلافل", BODY)


def test_json_array_and_single_object_with_field_aliases(tmp_path: Path) -> None:
    records = [
        {"title": "أ", "content": BODY, "date_extracted": "2015-07-21 02:51:32"},
        {"title": "ب", "text": "نص المقال الثاني.", "published": "2015-07-22"},
        {"title": "ج", "body": "نص المقال الثالث.", "source": "okaz", "url": "http://x.sa/3"},
    ]
    write(tmp_path, "bulk.json", json.dumps(records, ensure_ascii=False))
    write(tmp_path, "one.json", json.dumps(records[0], ensure_ascii=False))
    articles = read_corpus(tmp_path).articles
    assert [a.id for a in articles] == ["bulk.json#1", "bulk.json#2", "bulk.json#3", "one.json#1"]
    assert [a.text for a in articles[:3]] == [BODY, "نص المقال الثاني.", "نص المقال الثالث."]
    assert [a.date for a in articles[:2]] == ["2015-07-21 02:51:32", "2015-07-22"]
    assert (articles[2].source, articles[2].url) == ("okaz", "http://x.sa/3")


def test_invalid_line_in_the_middle_of_jsonl_skips_only_that_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"title": "أ", "content": BODY}, ensure_ascii=False),
        '{"title": "broken", "content": ',
        "[1, 2]",
        json.dumps({"title": "ب", "content": ""}, ensure_ascii=False),
        json.dumps({"title": "ج", "content": "نص المقال الأخير."}, ensure_ascii=False),
    ]
    write(tmp_path, "bulk.jsonl", "\n".join(lines) + "\n")
    contents = read_corpus(tmp_path)
    assert [a.title for a in contents.articles] == ["أ", "ج"]
    assert [a.id for a in contents.articles] == ["bulk.jsonl#1", "bulk.jsonl#5"]
    reasons = [s.reason for s in contents.skipped]
    assert reasons[0].startswith("line 2: invalid JSON")
    assert reasons[1:] == ["line 3: not an object", "line 4: no article text"]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"\n  \n\t\n", "no article text"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary"),
        ("controls.txt", bytes(range(1, 32)) * 40, "binary"),
        ("broken.md", "---\ntitle: [unclosed\n---\nنص".encode(), "broken YAML front matter"),
        ("list.md", "---\n- a\n- b\n---\nنص".encode(), "front matter is not a mapping"),
        ("broken.json", b'[{"title": "x",', "invalid JSON"),
        ("number.json", b"42", "neither an article object nor an array"),
        ("bad-utf16.txt", b"\xff\xfe\x00\xd8", "invalid utf-16"),
    ],
)
def test_bad_file_is_skipped_with_its_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(data)
    contents = read_file(tmp_path / name, tmp_path)
    assert contents.articles == []
    [skipped] = contents.skipped
    assert skipped.path == name and reason in skipped.reason


def test_file_over_the_size_limit_is_skipped_unread(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", f"عنوان\n\n{BODY}")
    size = path.stat().st_size
    [skipped] = read_file(path, tmp_path, max_bytes=size - 1).skipped
    assert "too large" in skipped.reason and str(size) in skipped.reason
    assert len(read_file(path, tmp_path, max_bytes=size).articles) == 1


def test_bad_neighbours_never_stop_good_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "a.txt", f"خبر أول\n\n{BODY}")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01binary")
    write(tmp_path, "sub/c.md", "---\ntitle: خبر ثالث\n---\nنص ثالث.")
    write(tmp_path, "d.md", "---\ntitle: [\n---\nنص")
    with caplog.at_level(logging.WARNING, logger="retrieval.corpus"):
        contents = read_corpus(tmp_path)
    assert [a.title for a in contents.articles] == ["خبر أول", "خبر ثالث"]
    assert [s.path for s in contents.skipped] == ["b.txt", "d.md"]
    assert "b.txt" in caplog.text and "d.md" in caplog.text


def test_hidden_underscore_readme_and_other_files_are_not_articles(tmp_path: Path) -> None:
    for name in ("a.txt", "b.md", "c.json", "d.jsonl", "e.TXT", "sub/f.txt"):
        write(tmp_path, name, "x")
    for name in (".hidden.txt", "_draft.md", ".index/articles.json", "README.md", "g.pdf"):
        write(tmp_path, name, "x")
    found = [p.relative_to(tmp_path).as_posix() for p in find_article_files(tmp_path)]
    assert found == ["a.txt", "b.md", "c.json", "d.jsonl", "e.TXT", "sub/f.txt"]


# A SaudiNewsNet opinion column (alyaum.com/article/4080061): U+001A marks its paragraphs,
# four of them in a short text, which once made it count as binary.
SUB = "\x1a"
COLUMN = (
    f"أيها الموت القادم من السماء\n\n {SUB}{SUB} أيها الموت القادم من السماء، "
    f"لا تقترب من مدينتنا.\n{SUB}{SUB} كاتب سعودي\n"
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("column.txt", COLUMN),
        ("column.md", f"---\ntitle: {SUB} رئيس بلدية وسط الدمام\nsource: alyaum\n---\n{COLUMN}"),
        ("column.jsonl", json.dumps({"title": f"{SUB}عنوان", "content": COLUMN}) + "\n"),
    ],
)
def test_stray_control_characters_are_cleaned_not_a_reason_to_skip(
    tmp_path: Path, name: str, content: str
) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    contents = read_file(tmp_path / name, tmp_path)
    assert contents.skipped == []
    [article] = contents.articles
    assert SUB not in article.text and SUB not in article.title
    assert "لا تقترب من مدينتنا" in article.text


def test_only_tab_and_line_breaks_survive_among_control_characters(tmp_path: Path) -> None:
    controls = "".join(chr(c) for c in range(32) if chr(c) not in "\x00\t\n\r") + "\x7f\x85"
    filler = "افتتحت الوزارة مستشفى جديدا في المدينة. " * 10  # controls stay under a tenth
    body = f"عنوان\n\nنص\tالخبر{controls}الكامل هنا.\r\nسطر ثان. {filler}"
    (tmp_path / "a.txt").write_text(body, encoding="utf-8")
    [article] = read_file(tmp_path / "a.txt", tmp_path).articles
    assert not any(ord(c) < 32 and c not in "\t\n" for c in article.text)
    assert "\x7f" not in article.text and "\x85" not in article.text
    assert "نص\tالخبر" in article.text and "سطر ثان." in article.text
