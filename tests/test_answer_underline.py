"""Where the answer is: the spans of «كم / متى / من» answers and their underline in replies."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot import replies
from retrieval import analyzer
from retrieval.answer_spans import AnswerKind, answer_kind, answer_spans
from retrieval.corpus import Article, make_article
from retrieval.search import Hit, Retriever
from tests.bot_harness import bot_settings, running_bot, write_md_article
from tests.fake_botapi import FakeBotApi
from tests.telegram_html import parse_telegram_html


def spans_of(question: str, text: str) -> list[str]:
    """Return the texts of the answer spans `question` gets in sentence `text`."""
    found = answer_spans(text, answer_kind(question), frozenset(analyzer.tokens(question)))
    return [text[start:end] for start, end in found]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("كم عدد الضحايا؟", AnswerKind.NUMBER),
        ("ما عدد الفروع؟", AnswerKind.NUMBER),
        ("متى تأسست الشركة؟", AnswerKind.DATE),
        ("في أي عام تأسست الشركة؟", AnswerKind.DATE),
        ("من هو مؤسس الشركة؟", AnswerKind.PERSON),
        ("ومن افتتح المعرض؟", AnswerKind.PERSON),
        ("من أين جاء الوفد؟", AnswerKind.OTHER),
        ("ماذا قال عن الأمن؟", AnswerKind.OTHER),
    ],
)
def test_question_word_says_what_kind_of_answer_is_wanted(question: str, kind: AnswerKind) -> None:
    assert answer_kind(question) is kind


def test_number_spans_leave_out_numbers_the_question_mentions() -> None:
    text = "بلغ عدد ضحايا زلزال 1990 نحو 20 ألف شخص، أي 3.5 بالمئة."
    assert spans_of("كم عدد ضحايا زلزال 1990؟", text) == ["20 ألف", "3.5"]


def test_number_words_count_as_numbers() -> None:
    assert spans_of("كم فرعا افتتحت الشركة؟", "افتتحت الشركة ثلاثة فروع جديدة.") == ["ثلاثة"]


def test_of_several_numbers_the_one_beside_the_matched_words_is_kept() -> None:
    text = "سجل الفريق 23 نقطة في الشوط الأول و11 نقطة في الشوط الثاني."
    question = "كم نقطة سجل الفريق في الشوط الثاني؟"
    near = text.index("الثاني"), text.index("الثاني") + len("الثاني")
    found = answer_spans(text, answer_kind(question), frozenset(analyzer.tokens(question)), [near])
    assert [text[s:e] for s, e in found] == ["11"]


def test_a_how_many_answer_is_not_a_year_when_something_else_is_there() -> None:
    assert spans_of("كم عدد الفروع؟", "افتتحت الشركة في 2015 خمسة فروع.") == ["خمسة"]
    assert spans_of("كم عدد الفروع؟", "بلغ عدد الفروع 1200 فرع.") == ["1200"]


def test_date_span_takes_day_month_and_year_together() -> None:
    text = "تأسست الشركة في 15 مارس 1999 في هانغتشو."
    assert spans_of("متى تأسست الشركة؟", text) == ["15 مارس 1999"]


def test_date_spans_are_offsets_in_the_text_as_written() -> None:
    text = "وُلِدَ في عامِ ١٩٤٣، يومَ الجمعة."  # diacritics and Arabic-Indic digits
    assert spans_of("متى ولد؟", text) == ["١٩٤٣", "يومَ الجمعة"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("قدم الرئيس الصيني شي جينبينغ وعودًا للشركات.", "شي جينبينغ"),
        ("افتتح الأمير محمد بن سلمان بن عبدالعزيز المعرض.", "محمد بن سلمان بن عبدالعزيز"),
        ("وقال د. أحمد زويل إن العلم مهم.", "أحمد زويل"),
        ("هنأ الرئيس الكولومبي خوان مانويل سانتوس الفائزين.", "خوان مانويل سانتوس"),
        ("وضع المهندس المعماري غوتفريت زيمبا بوضع التصميم.", "غوتفريت زيمبا"),
        ("وأكد الرئيس الأمريكي باراك أوباما يزور الرياض.", "باراك أوباما"),
    ],
)
def test_person_is_the_name_after_a_title(text: str, name: str) -> None:
    assert spans_of("من افتتح المعرض؟", text) == [name]


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("من قال ذلك؟", "وصرح الرئيس في مقابلة سابقة بأن البلدين متفقان."),  # no name after it
        ("من قال ذلك؟", "وقال الرئيس التنفيذي لشركة النفط إن الإنتاج زاد."),  # title goes on
        ("من قال ذلك؟", "وأعلن جاك ما دعمه للاتفاق."),  # a name, but no title: unsure
        ("من هو الرئيس أوباما؟", "قال الرئيس أوباما إن الاقتصاد يتعافى."),  # named in the question
        ("ماذا قال؟", "قال الرئيس أوباما إن الاقتصاد يتعافى."),  # not a «من» question
    ],
)
def test_no_person_span_when_unsure(question: str, text: str) -> None:
    assert spans_of(question, text) == []


def test_search_hits_carry_the_answer_spans() -> None:
    article = make_article(
        "a", "a.md", {"title": "الشركة"}, "تأسست شركة الفلافل الذهبية عام 1999 في جدة."
    )
    hit = Retriever.from_articles([article]).search("متى تأسست شركة الفلافل الذهبية؟")[0]
    assert [hit.text[s:e] for s, e in hit.answer_spans] == ["1999"]


def _hit(
    text: str, highlights: tuple[tuple[int, int], ...], spans: tuple[tuple[int, int], ...]
) -> Hit:
    article = Article(id="a", title="عنوان", text=text, path="a.md")
    return Hit(text, 1.0, 0, len(text), article, 0, (), highlights, answer_spans=spans)


def test_underline_inside_bold_is_valid_telegram_html() -> None:
    text = "تأسست الشركة <عام> 1999 & نمت."
    year = text.index("1999")
    # the bold span covers the year and more: the underline nests inside it
    html = replies.hit_html(_hit(text, ((year - 6, year + 4),), ((year, year + 4),)))
    parsed = parse_telegram_html(html)
    assert parsed.text.startswith(text)
    underline = [e for e in parsed.entities if e["type"] == "underline"]
    assert [parsed.text[e["offset"] : e["offset"] + e["length"]] for e in underline] == ["1999"]


def test_overlapping_bold_and_underline_spans_always_nest() -> None:
    rng = random.Random(7)
    text = "في عام 1999 أسس <جاك> ما & رفاقه شركة علي بابا بمبلغ 60 ألف دولار."
    for _ in range(300):
        spans = [tuple(sorted(rng.sample(range(len(text) + 1), 2))) for _ in range(4)]
        html = replies.highlight(text, spans[:2], spans[2:])
        assert parse_telegram_html(html).text == text


def test_underlined_answer_stays_within_the_message_limit() -> None:
    text = ("1999 " * 2000).strip()
    spans = tuple((i, i + 4) for i in range(0, len(text), 5))
    answer = replies.answer_message("متى؟", [_hit(text, spans, spans)] * 3)
    assert replies.utf16_length(answer.text) <= replies.MESSAGE_LIMIT
    parse_telegram_html(answer.text)


async def test_bot_underlines_the_year_of_a_when_question(
    fake_botapi: FakeBotApi, tmp_path: Path
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_md_article(
        folder, "falafel.md", "تأسست شركة الفلافل الذهبية عام 1999 في جدة.", title="الفلافل"
    )
    async with running_bot(bot_settings(fake_botapi, folder)):
        fake_botapi.send_text("متى تأسست شركة الفلافل الذهبية؟")
        call = await fake_botapi.wait_for("sendMessage")
    assert "<u>1999</u>" in call.params["text"]
    message = fake_botapi.bot_messages(1001)[-1]
    assert any(e["type"] == "underline" for e in message["entities"])
    assert not fake_botapi.rejected, fake_botapi.summary()
