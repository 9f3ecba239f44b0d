"""Adding one article: uploaded documents and `add_article`, safe names, never overwriting."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from retrieval.add import AddError, add_article, add_document, safe_stem
from retrieval.cli import main
from retrieval.corpus import read_corpus

BODY = "أعلنت شركة الفلافل الذهبية افتتاح فرعها العشرين في مدينة جدة يوم الخميس."


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("افتتاح فرع: الجديد", "افتتاح-فرع-الجديد"),
        ("../../etc/passwd", "etc-passwd"),
        ("..", "article"),
        (".hidden", "hidden"),
        ("_private", "private"),
        ("a/b\\c", "a-b-c"),
        ("مَرْحَبًا\u200f بالعالم", "مرحبا-بالعالم"),
        ("", "article"),
    ],
)
def test_safe_stem_keeps_letters_and_drops_everything_dangerous(name: str, stem: str) -> None:
    assert safe_stem(name) == stem


def test_safe_stem_is_bounded_in_length() -> None:
    assert len(safe_stem("خبر " * 100)) <= 80


def test_add_article_writes_markdown_that_reads_back(corpus: Path) -> None:
    result = add_article(
        corpus,
        BODY,
        title="فروع الفلافل",
        source="sabq",
        url="https://example.com/a",
        date="2015-07-21",
        category="اقتصاد",
    )
    assert result.path == (corpus / "فروع-الفلافل.md").resolve()
    assert result.articles == 1 and result.title == "فروع الفلافل"
    assert not result.already_present
    [article] = read_corpus(corpus).articles
    assert (article.title, article.text, article.source) == ("فروع الفلافل", BODY, "sabq")
    assert (article.url, article.date, article.category) == (
        "https://example.com/a",
        "2015-07-21",
        "اقتصاد",
    )


def test_add_article_without_title_reads_the_text_like_a_txt_article(corpus: Path) -> None:
    result = add_article(corpus, f"اقتصاد\n\nفروع الفلافل\n\n{BODY}")
    [article] = read_corpus(corpus).articles
    assert result.title == article.title == "فروع الفلافل"
    assert article.category == "اقتصاد" and article.text == BODY


def test_add_article_twice_reports_it_as_already_present(corpus: Path) -> None:
    first = add_article(corpus, BODY, title="فروع الفلافل")
    second = add_article(corpus, BODY, title="فروع الفلافل")
    assert second.already_present and second.path == first.path
    assert len(list(corpus.iterdir())) == 1


def test_add_article_never_overwrites_a_different_article(corpus: Path) -> None:
    first = add_article(corpus, BODY, title="فروع الفلافل")
    second = add_article(corpus, BODY + " وقال المدير إن الفرع الجديد كبير.", title="فروع الفلافل")
    assert second.path.name == "فروع-الفلافل-2.md" and not second.already_present
    assert BODY in first.path.read_text(encoding="utf-8")
    assert len(read_corpus(corpus).articles) == 2


def test_add_article_title_cannot_escape_the_corpus(corpus: Path) -> None:
    result = add_article(corpus, BODY, title="../../outside")
    assert result.path.parent == corpus.resolve()
    assert not (corpus.parent / "outside.md").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   "}, "empty"),
        ({"text": BODY, "date": "yesterday"}, "not a date"),
        ({"text": BODY, "url": "javascript:alert(1)"}, "web address"),
    ],
)
def test_add_article_refuses_bad_input(corpus: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(AddError, match=message):
        add_article(corpus, **kwargs)
    assert list(corpus.iterdir()) == []


def test_add_article_refuses_a_missing_corpus_folder(tmp_path: Path) -> None:
    with pytest.raises(AddError, match="corpus folder not found"):
        add_article(tmp_path / "nowhere", BODY, title="x")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1256"])
def test_add_document_decodes_and_stores_utf8(corpus: Path, encoding: str) -> None:
    data = f"فروع الفلافل\n\n{BODY}\n".encode(encoding)
    result = add_document(corpus, "falafel.txt", data)
    assert result.path.name == "falafel.txt" and result.title == "فروع الفلافل"
    assert result.path.read_text(encoding="utf-8") == f"فروع الفلافل\n\n{BODY}\n"


def test_add_document_accepts_markdown_and_jsonl(corpus: Path) -> None:
    md = f"---\ntitle: فروع الفلافل\nsource: sabq\n---\n{BODY}\n".encode()
    assert add_document(corpus, "falafel.md", md).articles == 1
    lines = [json.dumps({"title": f"خبر {n}", "content": BODY}, ensure_ascii=False) for n in (1, 2)]
    lines.insert(1, "{broken")
    result = add_document(corpus, "batch.jsonl", "\n".join(lines).encode())
    assert result.articles == 2 and result.title == "خبر 1"
    [skipped] = result.skipped
    assert skipped.path == "batch.jsonl" and skipped.reason.startswith("line 2: invalid JSON")
    assert len(read_corpus(corpus).articles) == 3


def test_add_document_sanitizes_the_file_name(corpus: Path) -> None:
    result = add_document(corpus, "../../.evil name.txt", f"عنوان\n\n{BODY}".encode())
    assert result.path == (corpus / "evil-name.txt").resolve()


def test_add_document_keeps_both_files_when_names_collide(corpus: Path) -> None:
    first = add_document(corpus, "news.txt", f"عنوان\n\n{BODY}".encode())
    second = add_document(corpus, "news.txt", f"عنوان آخر\n\n{BODY}".encode())
    again = add_document(corpus, "news.txt", f"عنوان\n\n{BODY}".encode())
    assert second.path.name == "news-2.txt"
    assert again.already_present and again.path == first.path


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("photo.jpg", b"\xff\xd8\xff\xe0", "unsupported file type"),
        ("news.json", b"[]", "unsupported file type"),
        ("news.txt", b"", "empty"),
        ("news.txt", b"\x00\x01\x02\x03" * 100, "cannot read the file as text"),
        ("news.md", "---\ntitle: [x\n---\nنص".encode(), "front matter"),
        ("news.jsonl", b'{"title": "x"}\nnot json\n', "no article found"),
        ("news.txt", b"\n \n\t\n", "no article found in the file: empty file"),
    ],
)
def test_add_document_refuses_what_is_not_an_article(
    corpus: Path, filename: str, data: bytes, message: str
) -> None:
    with pytest.raises(AddError, match=message):
        add_document(corpus, filename, data)
    assert list(corpus.iterdir()) == []


def test_add_document_refuses_files_over_the_size_limit(corpus: Path) -> None:
    data = f"عنوان\n\n{BODY}".encode()
    with pytest.raises(AddError, match="too large"):
        add_document(corpus, "news.txt", data, max_bytes=len(data) - 1)
    assert add_document(corpus, "news.txt", data, max_bytes=len(data)).articles == 1


def test_cli_add_from_a_txt_file_prints_where_it_went(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "new.txt"
    source.write_bytes(f"اقتصاد\n\nفروع الفلافل\n\n{BODY}\n".encode("cp1256"))
    argv = ["add", str(source), "--source", "sabq", "--date", "2015-07-21", "--corpus", str(corpus)]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == (
        f"added: {(corpus / 'فروع-الفلافل.md').resolve()} (فروع الفلافل)"
    )
    [article] = read_corpus(corpus).articles
    assert (article.category, article.source, article.date) == ("اقتصاد", "sabq", "2015-07-21")
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith("already present: ")


def test_cli_add_md_keeps_front_matter_and_options_override_it(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "new.md"
    source.write_text(f"---\ntitle: فروع الفلافل\nsource: okaz\n---\n{BODY}\n", encoding="utf-8")
    assert main(["add", str(source), "--source", "sabq", "--corpus", str(corpus)]) == 0
    [article] = read_corpus(corpus).articles
    assert (article.title, article.source, article.text) == ("فروع الفلافل", "sabq", BODY)


def test_cli_add_reads_stdin(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(BODY.encode("utf-8"))))
    assert main(["add", "-", "--title", "من المدخل", "--corpus", str(corpus)]) == 0
    assert "من-المدخل.md" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv_tail", "message"),
    [
        (["missing.txt"], "error: cannot read missing.txt"),
        (["bulk.jsonl"], "use `python -m retrieval import`"),
        (["empty.txt"], "error: the article text is empty"),
        (["good.txt", "--date", "غدا"], "error: not a date"),
    ],
)
def test_cli_add_failures_are_one_line_on_stderr(
    tmp_path: Path,
    corpus: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv_tail: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bulk.jsonl").write_text("{}", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "good.txt").write_text(f"عنوان\n\n{BODY}", encoding="utf-8")
    assert main(["add", *argv_tail, "--corpus", str(corpus)]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert list(corpus.iterdir()) == []


def test_write_failure_is_an_add_error(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("retrieval.atomic.tempfile.mkstemp", refuse)
    with pytest.raises(AddError, match=r"cannot write into .*Permission denied"):
        add_article(corpus, BODY, title="x")
    with pytest.raises(AddError, match="cannot write into"):
        add_document(corpus, "a.txt", f"عنوان\n\n{BODY}".encode())
