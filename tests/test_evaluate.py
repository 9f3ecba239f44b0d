"""The XQuAD yardstick: its normalization, the hit rule, the metric arithmetic and `eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval import evaluate
from retrieval.cli import main
from retrieval.corpus import Article
from retrieval.normalize import normalize_for_comparison
from retrieval.search import Hit, Retriever

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mini_squad_ar.json"
ANSWER_WITHOUT_TEXT = {"question": "q", "answers": [{"answer_start": 0}]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("مُحَمَّدٌ", "محمد"),  # diacritics
        ("العـــربية", "العربيه"),  # tatweel, ة→ه
        ("أحمد إلى آخر ٱلكتاب", "احمد الي اخر الكتاب"),  # alef forms, ى→ي
        ("«القاهرة»، مصر.", "القاهره مصر"),  # punctuation to spaces, trimmed
        ("  نهر \n\t النيل  ", "نهر النيل"),  # whitespace collapsed
        ("مؤتمر شئون", "مؤتمر شئون"),  # no ؤ/ئ folding: not in the yardstick
        ("عام ١٩٧٠", "عام ١٩٧٠"),  # no digit folding either
        ("CNN", "CNN"),  # nor case folding
    ],
)
def test_yardstick_normalization_is_exactly_the_readme_rules(text: str, expected: str) -> None:
    assert evaluate.yardstick_normalize(text) == expected


def test_yardstick_is_lighter_than_the_analyzers_comparison_form() -> None:
    # normalize_for_comparison also folds ؤ and digits; the yardstick must not, or its figures
    # would not be comparable with the reference table.
    assert normalize_for_comparison("مؤتمر ١٩٧٠") == "موتمر 1970"
    assert evaluate.yardstick_normalize("مؤتمر ١٩٧٠") == "مؤتمر ١٩٧٠"


def _article(article_id: str) -> Article:
    return Article(id=article_id, title="t", text="x", path=article_id)


def _hit(text: str, article: Article) -> Hit:
    return Hit(
        text=text,
        score=1.0,
        start=0,
        end=len(text),
        article=article,
        sentence=0,
        matched_terms=(),
        highlights=(),
    )


def test_hit_needs_the_questions_own_article_and_the_gold_text() -> None:
    own, other = _article("a"), _article("b")
    question = evaluate.Question("q", "متى بني السد؟", 0, ("عام 1970", "1970"))
    assert evaluate.is_hit(_hit("وقد بُني السد العالي في أسوان عام 1970.", own), question, [own])
    assert not evaluate.is_hit(_hit("بني السد عام 1970.", other), question, [own])
    assert not evaluate.is_hit(_hit("بني السد العالي في أسوان.", own), question, [own])


def test_gold_text_is_compared_after_normalization() -> None:
    own = _article("a")
    question = evaluate.Question("q", "?", 0, ("البحر الابيض المتوسط.",))
    assert evaluate.is_hit(_hit("يصب في البحرِ الأبيض المتوسط شمال مصر", own), question, [own])


def test_metric_arithmetic_on_a_hand_computed_case() -> None:
    # Four questions: first hit at rank 1, rank 3, none, rank 2; three got a top-1 sentence.
    figures = evaluate.figures_from_ranks(
        [1, 3, None, 2], [100, 50, 30], seconds=2.0, articles=2, sentences=9
    )
    assert figures.hit_at_1 == pytest.approx(1 / 4)
    assert figures.hit_at_3 == pytest.approx(3 / 4)
    assert figures.hit_at_10 == pytest.approx(3 / 4)
    assert figures.mrr_at_10 == pytest.approx((1 + 1 / 3 + 1 / 2) / 4)
    assert figures.mean_top1_chars == pytest.approx(60.0)
    assert figures.answered == pytest.approx(3 / 4)
    assert figures.questions_per_second == pytest.approx(2.0)


def test_load_squad_keeps_paragraphs_as_lines_and_every_answer() -> None:
    dataset = evaluate.load_squad(FIXTURE)
    assert [a.title for a in dataset.articles] == ["نهر النيل", "القهوة", "الخط العربي"]
    assert dataset.articles[0].text.count("\n\n") == 1  # two paragraphs
    assert len(dataset.questions) == 10
    nile_source = next(q for q in dataset.questions if q.id == "nile-2")
    assert nile_source.answers == ("بحيرة فيكتوريا", "من بحيرة فيكتوريا")
    assert nile_source.article == 0


def test_eval_on_the_fixture_finds_every_answerable_question_first() -> None:
    dataset = evaluate.load_squad(FIXTURE)
    figures, misses = evaluate.evaluate(dataset, Retriever.from_articles(dataset.articles))
    # Nine questions are answered by their top sentence; "ما لون حبوب القهوة المحمصة؟" has
    # no answer in the text, and its confidence puts it in the none band.
    assert figures.questions == 10
    assert figures.hit_at_1 == pytest.approx(0.9)
    assert figures.hit_at_10 == pytest.approx(0.9)
    assert figures.answered == pytest.approx(0.9)
    assert (figures.confident, figures.uncertain, figures.none) == pytest.approx((0.9, 0.0, 0.1))
    assert figures.hits_kept_confident == pytest.approx(1.0)
    assert [m.question for m in misses] == ["ما لون حبوب القهوة المحمصة؟"]
    assert misses[0].top1 is None


def test_eval_command_prints_json_figures_and_writes_the_misses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "misses.jsonl"
    code = main(["eval", "--squad", str(FIXTURE), "--json", "--report", str(report)])
    out, _ = capsys.readouterr()
    assert code == 0
    figures = json.loads(out)
    assert figures["questions"] == 10
    assert figures["hit_at_1"] == pytest.approx(0.9)
    assert {"hit_at_3", "hit_at_10", "mrr_at_10", "mean_top1_chars"} <= set(figures)
    misses = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert misses == [
        {
            "question": "ما لون حبوب القهوة المحمصة؟",
            "answers": ["بني"],
            "rank": None,
            "top1": None,
            "top1_article": None,
        }
    ]


def test_eval_command_prints_readable_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--squad", str(FIXTURE)]) == 0
    out, _ = capsys.readouterr()
    assert "Hit@1:            0.900" in out
    assert "MRR@10:" in out and "mean top-1 chars:" in out


@pytest.mark.parametrize(
    "content",
    [
        None,
        "not json",
        '{"no": "data"}',
        '{"data": [{"title": "x", "paragraphs": ["not an object"]}]}',
        json.dumps({"data": [{"paragraphs": [{"context": "c", "qas": [ANSWER_WITHOUT_TEXT]}]}]}),
    ],
)
def test_eval_command_reports_a_bad_file_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "squad.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code = main(["eval", "--squad", str(path)])
    out, err = capsys.readouterr()
    assert code != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: cannot read SQuAD file")
