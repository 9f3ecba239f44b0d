"""«وورد أيضًا في»: one answer per story, the other papers named and linked, within limits.

Unit tests render hits with many hostile copies; bot tests run the real Application against
the loopback Bot API server, which rejects malformed HTML and over-long messages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import replies
from retrieval.corpus import Article
from retrieval.search import Copy, CorpusStats, Hit
from tests.bot_harness import bot_settings, running_bot, write_md_article
from tests.fake_botapi import FakeBotApi
from tests.telegram_html import parse_telegram_html, utf16_len

PAPERS = ("sabq", "alyaum", "alriyadh")
# Four stories, each as three papers printed it (a word added, a preposition changed).
STORIES = {
    "جدة": "أعلنت وزارة الصحة افتتاح مستشفى الملك فهد الجديد في جدة بسعة خمسمئة سرير.",
    "بريدة": "زار أمير منطقة القصيم مستشفى بريدة المركزي وتفقد أقسام الطوارئ والعناية المركزة.",
    "الأطفال": "وقعت الجامعة اتفاقية مع مستشفى الأطفال لتدريب طلاب كلية الطب على الجراحة الدقيقة.",
    "الدمام": "أطلق مستشفى الدمام حملة للتبرع بالدم بمشاركة متطوعين من الشباب في المنطقة الشرقية.",
}


def printed_by(paper: str, sentence: str) -> str:
    """Return `sentence` in `paper`'s wording."""
    if paper == "alyaum":
        return sentence.replace(" مستشفى", " اليوم مستشفى", 1)
    if paper == "alriyadh":
        return "و" + sentence
    return sentence


def article(source: str | None, url: str | None, n: int = 0) -> Article:
    return Article(
        id=f"{source}-{n}", title=f"عنوان {n}", text="نص", path=f"{n}", source=source, url=url
    )


def hit_with_copies(copies: list[Article], text: str = "جملة الجواب.") -> Hit:
    return Hit(
        text=text,
        score=1.0,
        start=0,
        end=len(text),
        article=article("sabq", "https://sabq.example/1"),
        sentence=0,
        matched_terms=(),
        highlights=(),
        also=tuple(Copy(n + 1, a) for n, a in enumerate(copies)),
    )


def test_also_line_names_each_other_paper_once_linked_to_its_copy() -> None:
    copies = [
        article("alyaum", "https://alyaum.example/a?x=1&y=2", 1),
        article("alyaum", "https://alyaum.example/b", 2),
        article("sabq", "https://sabq.example/2", 3),  # the hit's own paper
        article("was", None, 4),
        article("<b>evil & co</b>", "javascript:alert(1)", 5),
    ]
    line = replies.also_line(hit_with_copies(copies))
    parsed = parse_telegram_html(line)
    assert parsed.text == "🔁 وورد أيضًا في: alyaum، was، <b>evil & co</b>"
    links = [e["url"] for e in parsed.entities if e["type"] == "text_link"]
    assert links == ["https://alyaum.example/a?x=1&y=2"]
    assert replies.also_line(hit_with_copies([])) == ""


def test_also_line_counts_the_papers_it_has_no_room_to_name() -> None:
    copies = [article(f"paper{n}", f"https://p{n}.example/", n) for n in range(9)]
    text = parse_telegram_html(replies.also_line(hit_with_copies(copies))).text
    assert text.endswith("paper4 و4 غيرها")
    assert replies.also_line(hit_with_copies(copies), scale=0.12) == ""


@pytest.mark.parametrize("url_chars", [300, 2000])
def test_answers_with_many_long_copies_stay_valid_and_within_the_limit(url_chars: int) -> None:
    url = "https://example.com/?" + "a=1&<" * (url_chars // 5)
    copies = [article("&" * 300 + str(n), url, n) for n in range(20)]
    hits = [hit_with_copies(copies, "جملة طويلة " * 200) for _ in range(5)]
    answer = replies.answer_message("سؤال؟", hits)
    assert utf16_len(answer.text) <= replies.MESSAGE_LIMIT
    visible = parse_telegram_html(answer.text).text
    assert answer.shown >= 1 and visible.count("جملة طويلة") >= answer.shown
    if url_chars <= 300:  # a link escaping to thousands of characters is left out instead
        assert replies.ALSO_PREFIX in visible
    inline = replies.inline_answer(hits[0])
    assert utf16_len(inline) <= replies.MESSAGE_LIMIT
    parse_telegram_html(inline)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Four stories, each in three papers (one file per paper and story)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for s, (name, sentence) in enumerate(STORIES.items()):
        for p, paper in enumerate(PAPERS):
            write_md_article(
                folder,
                f"{paper}-{s}.md",
                printed_by(paper, sentence),
                title=f"خبر {name}",
                source=paper,
                url=f"https://{paper}.example/news?id={s}&p={p}",
                date=f"2015-07-2{p}",
            )
    return folder


async def test_reply_shows_one_copy_and_names_the_other_papers(
    fake_botapi: FakeBotApi, corpus: Path
) -> None:
    async with running_bot(bot_settings(fake_botapi, corpus)):
        fake_botapi.send_text("متى افتتح مستشفى الملك فهد في جدة؟")
        call = await fake_botapi.wait_for("sendMessage")
    message = fake_botapi.bot_messages(1001)[-1]
    assert message["visible_text"].count("خمسمئة سرير") == 1
    also = next(line for line in message["visible_text"].split("\n") if "وورد أيضًا في" in line)
    shown_paper = next(p for p in PAPERS if f"· {p}" in message["visible_text"])
    assert sorted(also.split(": ")[1].split("، ")) == sorted(set(PAPERS) - {shown_paper})
    assert 'href="https://' in call.params["text"]
    assert not fake_botapi.rejected, fake_botapi.summary()


async def test_more_pages_never_show_a_story_twice(fake_botapi: FakeBotApi, corpus: Path) -> None:
    pages: list[str] = []
    async with running_bot(bot_settings(fake_botapi, corpus, top_k=2)):
        fake_botapi.send_text("مستشفى")
        await fake_botapi.wait_for("sendMessage")
        message = fake_botapi.bot_messages(1001)[-1]
        pages.append(message["visible_text"])
        fake_botapi.press_button(message["message_id"], "more:2")
        await fake_botapi.wait_for("editMessageText")
        pages.append(fake_botapi.bot_messages(1001)[-1]["visible_text"])
        assert fake_botapi.bot_messages(1001)[-1]["reply_markup"] is None  # nothing more
    assert [page.count(replies.ALSO_PREFIX.strip()) for page in pages] == [2, 2]
    for name in STORIES:
        assert sum(page.count(f"خبر {name}") for page in pages) == 1, name
    assert not fake_botapi.rejected, fake_botapi.summary()


def test_sources_and_stats_say_how_many_different_stories_there_are() -> None:
    stats = CorpusStats(articles=12, sentences=40, vocabulary=90, sources={"sabq": 12}, stories=4)
    sources = parse_telegram_html(replies.sources_message(stats)).text
    assert "12 مقالة" in sources and "4 خبرًا مختلفًا" in sources
    assert (
        "الأخبار المختلفة: 4"
        in parse_telegram_html(replies.stats_message(stats, None, None, None)).text
    )
    alone = CorpusStats(articles=3, sentences=9, vocabulary=20, sources={}, stories=3)
    assert "مختلف" not in replies.sources_message(alone)  # no copies: nothing to say
