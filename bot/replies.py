"""Everything the bot says, as Telegram HTML: answers, help, refusals, admin reports.

Pure functions over retrieval records, so they can be tested without Telegram. Every corpus
and user string goes through `html.escape`; the only tags produced are <b>, <u>, <i>, <a>
and <code>, always balanced; and no message exceeds Telegram's 4,096-character limit: an answer
that would is cut between whole hits, and a single huge hit is shortened in plain text
before it is escaped, so a cut never falls inside a tag or an entity.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from retrieval.confidence import Band
from retrieval.corpus import Article
from retrieval.feedback import FeedbackStats
from retrieval.formats import UPLOAD_SUFFIXES
from retrieval.search import CorpusStats, Hit

MESSAGE_LIMIT = 4096
QUESTION_MARK = "❓ "
ELLIPSIS = "…"
_SEPARATOR = " · "
# Plain-text caps before escaping; halved until a hit fits the room left in the message.
_SENTENCE_CHARS = 1500
_CONTEXT_CHARS = 220
_TITLE_CHARS = 200
_FIELD_CHARS = 80
_ALSO_SOURCES = 5  # other papers named in «وورد أيضًا في»; the rest are counted
ALSO_PREFIX = "🔁 وورد أيضًا في: "
_QUESTION_CHARS = 1000  # the upper bound of MAX_QUESTION_CHARS: the header shows it whole
_HEADER_ROOM = 1500  # ...unless escaping makes it longer than this
_FOLLOW_UP_CHARS = 80

APOLOGY = "عذرًا، حدث خطأ غير متوقع أثناء معالجة طلبك. حاول مرة أخرى بعد قليل."
SERVICE_UNAVAILABLE = "الخدمة غير متاحة مؤقتًا. حاول مرة أخرى بعد قليل."
NON_TEXT_HINT = "أفهم الأسئلة المكتوبة فقط 📝 اكتب سؤالك نصًّا بالعربية، أو أرسل /help للأمثلة."
RATE_LIMITED = (
    "تمهّل قليلًا من فضلك 🙏 وصلتني أسئلة كثيرة منك في وقت قصير، "
    "فلن أجيب عن أسئلة أخرى منك لمدة دقيقة تقريبًا. أعد إرسال سؤالك بعدها."
)
NOT_ALLOWED = "عذرًا، هذا البوت متاح لمجموعات ومحادثات محددة فقط."
ADMIN_ONLY = "عذرًا، هذا الأمر متاح لمشرفي البوت فقط."
UPLOAD_ADMIN_ONLY = "شكرًا لك! إضافة المقالات متاحة لمشرفي البوت فقط؛ يمكنك طرح سؤالك كتابةً."
NO_MORE = "لا توجد نتائج أخرى لهذا السؤال."
QUESTION_GONE = "لم أعد أجد السؤال الأصلي؛ أرسله من جديد من فضلك."
UNKNOWN_COMMAND = "لا أعرف هذا الأمر. أرسل /help لترى ما أستطيع فعله، أو اكتب سؤالك مباشرة."
ASK_USAGE = "اكتب سؤالك بعد الأمر، مثل: /ask ماذا قال جاك ما عن الأمن الرقمي؟"
UPLOAD_EMPTY = "الملف فارغ."
UPLOAD_UNREADABLE = "لم أجد فيه مقالة صالحة للقراءة."
MORE_BUTTON = "المزيد"
UNCERTAIN_INTRO = "لم أجد إجابة مؤكدة، وهذه أقرب جملة:"
UNCERTAIN_MARK = "❔ "
NEW_TOPIC = "حسنًا، موضوع جديد 🆕 لن أربط سؤالك التالي بالأسئلة السابقة."


def utf16_length(text: str) -> int:
    """Return the length of `text` as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """Return `text` on one line, cut at a word boundary to at most `limit` characters."""
    text = " ".join(text.split())
    limit = max(limit, 2)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    if cut < limit // 2:
        cut = limit - 1
    return text[:cut].rstrip() + ELLIPSIS


def _prefix_at_word(text: str, limit: int) -> str:
    """Return the start of `text`, at most `limit` characters, cut at a space if possible.

    A prefix keeps the highlight offsets valid; spans past the cut are clipped by `highlight`.
    """
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut >= limit // 2 else limit].rstrip()


def highlight(
    text: str, spans: Iterable[tuple[int, int]], underline: Iterable[tuple[int, int]] = ()
) -> str:
    """Return `text` escaped, each (start, end) span of `spans` in <b>, of `underline` in <u>.

    Overlapping spans merge. The text is cut at every span boundary and each piece wrapped
    whole (<b><u>…</u></b>), then a bold run split by an underline is joined again, so the
    tags always nest as Telegram requires.
    """
    bold, under = _merged_spans(text, spans), _merged_spans(text, underline)
    cuts = sorted({0, len(text), *(i for span in bold + under for i in span)})
    parts: list[str] = []
    for start, end in itertools.pairwise(cuts):
        piece = html.escape(text[start:end])
        if any(s <= start and end <= e for s, e in under):
            piece = f"<u>{piece}</u>"
        if any(s <= start and end <= e for s, e in bold):
            piece = f"<b>{piece}</b>"
        parts.append(piece)
    return "".join(parts).replace("</b><b>", "").replace("</u><u>", "")


def _merged_spans(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return `spans` clipped to `text`, sorted, with overlapping or touching ones merged."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        start, end = max(start, 0), min(end, len(text))
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _link(text: str, url: str | None) -> str:
    """Return escaped `text`, as a link when `url` is an http(s) URL of sane length."""
    url = (url or "").strip()
    if url.startswith(("http://", "https://")) and len(url) <= 2000:
        return f'<a href="{html.escape(url)}">{text}</a>'
    return text


def attribution(article: Article, scale: float = 1.0) -> str:
    """Return the article's title (a link when it has an http(s) URL), source, date, category."""
    title = html.escape(shorten(article.title or article.id, int(_TITLE_CHARS * scale)))
    fields = [_link(title, article.url)]
    for value in (article.source, article.date, article.category):
        if value and value.strip():
            fields.append(html.escape(shorten(value, int(_FIELD_CHARS * scale))))
    return "📰 " + _SEPARATOR.join(fields)


def also_line(hit: Hit, scale: float = 1.0) -> str:
    """Return «وورد أيضًا في: …» naming the other papers that carried the hit's sentence,
    each linked to its copy (empty when there are none, or when `scale` leaves no room).

    A paper is named once, and the hit's own paper not at all.
    """
    room = int(_ALSO_SOURCES * scale)
    own = (hit.article.source or "").strip()
    papers: dict[str, str | None] = {}
    for copy in hit.also:
        name = (copy.article.source or copy.article.title or copy.article.id).strip()
        if name and name != own:
            papers.setdefault(name, copy.article.url)
    if room < 1 or not papers:
        return ""
    limit = max(int(_FIELD_CHARS * scale), 10)
    shown = [_link(html.escape(shorten(name, limit)), url) for name, url in papers.items()]
    more = f" و{len(shown) - room} غيرها" if len(shown) > room else ""
    return ALSO_PREFIX + "، ".join(shown[:room]) + more


def hit_html(hit: Hit, rank: int | None = None, scale: float = 1.0) -> str:
    """Return one hit as HTML: the sentence with matches in bold, context in italics, source,
    and the other papers that carried it.

    `scale` shrinks every plain-text cap, so a caller can ask for a smaller rendering.
    """
    limit = max(int(_SENTENCE_CHARS * scale), 40)
    text = _prefix_at_word(hit.text, limit)
    sentence = highlight(text, hit.highlights, hit.answer_spans)
    if len(text) < len(hit.text):
        sentence += ELLIPSIS
    before = _context(hit.context_before, scale, keep_end=True)
    after = _context(hit.context_after, scale, keep_end=False)
    prefix = f"<b>{rank}.</b> " if rank is not None else ""
    passage = " ".join(part for part in (before, sentence, after) if part)
    also = also_line(hit, scale)
    return f"{prefix}{passage}\n{attribution(hit.article, scale)}" + (f"\n{also}" if also else "")


def _context(text: str | None, scale: float, keep_end: bool) -> str:
    """Return a neighbouring sentence in italics, shortened on the side away from the hit."""
    if not text or not text.strip():
        return ""
    limit = int(_CONTEXT_CHARS * scale)
    if limit < 20:
        return ""
    if keep_end:
        reversed_short = shorten(text[::-1], limit)
        short = reversed_short[::-1]
    else:
        short = shorten(text, limit)
    return f"<i>{html.escape(short)}</i>"


def question_header(question: str) -> str:
    """Return the first line of an answer: the question, so a later edit can recover it."""
    limit = _QUESTION_CHARS
    while True:
        header = f"{QUESTION_MARK}<b>{html.escape(shorten(question, limit))}</b>"
        if utf16_length(header) <= _HEADER_ROOM or limit <= 20:
            return header
        limit //= 2  # a question of "&" or "<" escapes to five or four times its length


def question_from_answer(plain_text: str | None) -> str | None:
    """Return the question shown in the first line of an answer's plain text, if any."""
    if not plain_text or not plain_text.startswith(QUESTION_MARK):
        return None
    question = plain_text.split("\n", 1)[0][len(QUESTION_MARK) :].strip()
    return question or None


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer message and how many of the given hits it shows (the next offset step)."""

    text: str
    shown: int


def answer_message(
    question: str, hits: Sequence[Hit], offset: int = 0, band: Band = Band.CONFIDENT
) -> Answer:
    """Return the answer to `question`: its header, then hits ranked from `offset + 1`.

    Hits that do not fit in one message are left out whole (and counted as not shown); a
    hit too long on its own is shortened first. Shows the no-answer message for no hits or
    the "none" band; in the "uncertain" band, says so first and marks the sentences.
    """
    if not hits or band is Band.NONE:
        return Answer(no_answer_message(question), 0)
    message = question_header(question)
    if hits[0].follow_up_of:
        message += "\n" + follow_up_note(hits[0].follow_up_of)
    if band is Band.UNCERTAIN:
        message += f"\n\n🤔 <i>{UNCERTAIN_INTRO}</i>"
    mark = UNCERTAIN_MARK if band is Band.UNCERTAIN else ""
    shown = 0
    for rank, hit in enumerate(hits, start=offset + 1):
        room = MESSAGE_LIMIT - utf16_length(message) - 2 - utf16_length(mark)
        block = _fitting_hit(hit, rank, room)
        if block is None:
            break
        block = mark + block
        message += "\n\n" + block
        shown += 1
    return Answer(message, shown)


def follow_up_note(previous_question: str) -> str:
    """Return the line that says an answer read the question as a follow-up, and how not to."""
    previous = html.escape(shorten(previous_question, _FOLLOW_UP_CHARS))
    return f"↩️ <i>فهمته متابعةً لسؤالك السابق «{previous}»؛ أرسل /new لموضوع جديد.</i>"


def _fitting_hit(hit: Hit, rank: int | None, room: int) -> str | None:
    """Return the largest rendering of `hit` that fits in `room` UTF-16 units, or None."""
    for scale in (1.0, 0.5, 0.25, 0.12, 0.06):
        block = hit_html(hit, rank, scale)
        if utf16_length(block) <= room:
            return block
    return None


def inline_answer(hit: Hit, band: Band = Band.CONFIDENT) -> str:
    """Return the message an inline result sends: one hit and its attribution, after the
    uncertain notice in the uncertain band."""
    intro = f"🤔 <i>{UNCERTAIN_INTRO}</i>\n" if band is Band.UNCERTAIN else ""
    room = MESSAGE_LIMIT - utf16_length(intro)
    return intro + (_fitting_hit(hit, None, room) or html.escape(shorten(hit.text, 500)))


def no_answer_message(question: str) -> str:
    """Return the helpful reply to a question nothing in the corpus answers."""
    return (
        f"{question_header(question)}\n\n"
        "لم أجد في المقالات جملة تجيب عن هذا السؤال 🤔\n"
        "جرّب صياغة أخرى أو كلمات أدق (اسم شخص، مكان، حدث)، "
        "أو أرسل /help لترى أمثلة على الأسئلة."
    )


def help_message(examples: Sequence[str], articles: int) -> str:
    """Return the /start and /help text: what the bot does, how to ask, example questions."""
    lines = [
        "<b>أهلًا بك!</b> 👋",
        f"أجيب عن أسئلتك بالعربية من مكتبة فيها {articles} مقالة إخبارية: "
        "أرسل سؤالًا وسأعيد إليك أنسب الجمل من المقالات، مع عنوان المقال ومصدره وتاريخه وتصنيفه.",
        "",
        "<b>كيف تسأل؟</b>",
        "• اكتب سؤالك مباشرة في هذه المحادثة.",
        "• في المجموعات: اذكرني أو ردّ على رسالتي أو استخدم /ask متبوعًا بالسؤال.",
        "• في أي محادثة: اكتب اسم المستخدم الخاص بي ثم سؤالك (الوضع المضمّن).",
        "• زر «المزيد» يعرض نتائج إضافية، و/sources يعرض المصادر.",
        "• أسئلة المتابعة: بعد سؤال يمكنك أن تسأل مثلًا «ومتى حدث ذلك؟» فأفهمه في سياق "
        "السؤال السابق لبضع دقائق؛ أرسل /new لبدء موضوع جديد.",
    ]
    if examples:
        lines += ["", "<b>أمثلة:</b>"]
        lines += [f"• {html.escape(shorten(example, _QUESTION_CHARS))}" for example in examples]
    return _fit_lines(lines)


def example_questions(articles: Sequence[Article], count: int = 3) -> list[str]:
    """Return up to `count` example questions made from article titles spread over the corpus."""
    if not articles:
        return []
    step = max(len(articles) // count, 1)
    examples: list[str] = []
    for article in articles[::step]:
        words = (article.title or "").split()
        if len(words) < 2:
            continue
        example = f"ماذا قيل عن {shorten(' '.join(words[:7]), 80)}؟"
        if example not in examples:
            examples.append(example)
        if len(examples) == count:
            break
    return examples


def sources_message(stats: CorpusStats) -> str:
    """Return the /sources text: how many articles, and the sources with their counts."""
    lines = [f"📚 في المكتبة <b>{stats.articles}</b> مقالة و<b>{stats.sentences}</b> جملة."]
    if 0 < stats.stories < stats.articles:
        copies = "الباقي نسخ منها نشرتها صحف أخرى"
        lines.append(f"تروي المقالات <b>{stats.stories}</b> خبرًا مختلفًا؛ {copies}.")
    named = {name: n for name, n in stats.sources.items() if name != "—"}
    if named:
        lines.append("<b>المصادر:</b>")
        for name, n in list(named.items())[:30]:
            lines.append(f"• {html.escape(shorten(name, _FIELD_CHARS))}: {n}")
        if len(named) > 30:
            lines.append(f"• و{len(named) - 30} مصدرًا آخر")
    unnamed = stats.sources.get("—", 0)
    if unnamed:
        lines.append(f"• مقالات دون مصدر مذكور: {unnamed}")
    return "\n".join(lines)


def stats_message(
    stats: CorpusStats,
    last_reload_at: datetime | None,
    last_reload_seconds: float | None,
    last_error: str | None,
) -> str:
    """Return the admin /stats text: counts, last reload, and the skipped files with reasons."""
    lines = [
        "📊 <b>حالة المكتبة</b>",
        f"• المقالات: {stats.articles}",
        f"• الأخبار المختلفة: {stats.stories}",
        f"• الجمل: {stats.sentences}",
        f"• المفردات: {stats.vocabulary}",
        f"• المصادر: {len(stats.sources)}",
    ]
    if last_reload_at is not None:
        seconds = f" ({last_reload_seconds:.2f} ث)" if last_reload_seconds is not None else ""
        stamp = last_reload_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
        lines.append(f"• آخر تحميل: {html.escape(stamp)}{seconds}")
    if last_error:
        lines.append("⚠️ فشل آخر تحميل، وما زالت النسخة السابقة تعمل:")
        lines.append(f"<code>{_code(last_error)}</code>")
    if stats.skipped:
        lines.append(f"<b>ملفات لم تُحمَّل ({len(stats.skipped)}):</b>")
        for skipped in stats.skipped[:20]:
            lines.append(f"• <code>{_code(skipped.path)}</code>: {_code(skipped.reason)}")
        if len(stats.skipped) > 20:
            lines.append(f"• و{len(stats.skipped) - 20} ملفًا آخر")
    return _fit_lines(lines)


def feedback_stats_message(stats: FeedbackStats) -> str:
    """Return the /stats section on use and feedback: the last days' questions, the share
    unanswered, 👍/👎 counts and the most frequent unanswered questions."""
    lines = [
        f"💬 <b>الأسئلة في آخر {stats.days} أيام</b>",
        f"• الأسئلة: {stats.questions}",
        f"• دون إجابة: {stats.unanswered} ({stats.unanswered_share:.0%})",
        f"• التقييمات: 👍 {stats.thumbs_up} · 👎 {stats.thumbs_down}",
    ]
    if stats.top_unanswered:
        lines.append("<b>أكثر الأسئلة تكرارًا دون إجابة:</b>")
        for question, times in stats.top_unanswered:
            lines.append(f"• {html.escape(shorten(question, 100))} (×{times})")
    return "\n".join(lines)


FEEDBACK_UNAVAILABLE = "💬 إحصاءات الأسئلة غير متاحة الآن (تعذّرت قراءة قاعدة التقييمات)."
RATING_THANKS = "شكرًا على تقييمك!"
RATING_CHANGED = "عدّلنا تقييمك، شكرًا!"
RATING_ALREADY = "سُجّل تقييمك من قبل، شكرًا!"
RATING_GONE = "انتهت مدة الاحتفاظ بهذا السؤال، فلم يُسجَّل التقييم."
RATING_FAILED = "تعذّر حفظ تقييمك الآن، شكرًا على كل حال."


def privacy_message(feedback_on: bool, retention_days: int) -> str:
    """Return the /privacy text: what the bot keeps about questions and ratings, and why."""
    if not feedback_on:
        return (
            "🔒 <b>الخصوصية</b>\n"
            "لا يحفظ هذا البوت أسئلتك ولا تقييماتك: تُستعمل الرسالة للإجابة عنها فقط."
        )
    return (
        "🔒 <b>الخصوصية</b>\n"
        "لتحسين الإجابات يحفظ البوت عن كل سؤال يُجاب عنه في محادثة:\n"
        "• نص السؤال ووقته ونوع المحادثة (خاصة أو مجموعة)؛\n"
        "• الجمل التي أُرسلت إجابةً ودرجة الثقة بها؛\n"
        "• تقييمك 👍 أو 👎 إن ضغطت أحد الزرّين؛\n"
        "• رمزًا مُعمّى (تجزئة مملّحة) بدل معرّف حسابك، لا يُحفظ معرّفك ولا اسمك.\n"
        f"تُحذف هذه السجلات تلقائيًا بعد {retention_days} يومًا، ولا يطّلع عليها إلا مشرفو "
        "البوت لمعرفة الأسئلة التي لم يُحسن الإجابة عنها."
    )


def reload_message(
    changed: bool,
    articles: int,
    sentences: int,
    added: Sequence[str],
    modified: Sequence[str],
    removed: Sequence[str],
    seconds: float,
    error: str | None,
) -> str:
    """Return the admin /reload report: what changed, or why the reload failed."""
    if error:
        return _fit_lines(
            [
                "⚠️ تعذّرت إعادة التحميل، وما زالت النسخة السابقة تعمل:",
                f"<code>{_code(error)}</code>",
            ]
        )
    if not changed:
        return f"✅ لا تغييرات في الملفات. في المكتبة {articles} مقالة و{sentences} جملة."
    lines = [f"✅ أُعيد التحميل في {seconds:.2f} ث: {articles} مقالة و{sentences} جملة."]
    for label, names in (("أضيف", added), ("عُدّل", modified), ("حُذف", removed)):
        if names:
            shown = "، ".join(f"<code>{_code(n)}</code>" for n in names[:10])
            more = f" و{len(names) - 10} غيرها" if len(names) > 10 else ""
            lines.append(f"• {label}: {shown}{more}")
    return _fit_lines(lines)


def upload_added_message(filename: str, title: str, articles: int, total_articles: int) -> str:
    """Return the reply to an admin whose uploaded file was added to the corpus."""
    return (
        f"✅ أُضيف الملف <code>{_code(filename)}</code> "
        f"({articles} مقالة، أولها «{html.escape(shorten(title, _TITLE_CHARS))}»).\n"
        f"صار في المكتبة {total_articles} مقالة، ويمكن السؤال عنها الآن."
    )


def upload_refused_message(filename: str, reason: str, detail: str | None = None) -> str:
    """Return the reply to an admin whose uploaded file was not added: why, and the detail."""
    text = f"❌ لم يُضف الملف <code>{_code(filename)}</code>: {html.escape(reason)}"
    if detail:
        text += f"\n<code>{_code(detail)}</code>"
    return text


def upload_present_message(filename: str) -> str:
    """Return the reply to an admin who uploaded a file the corpus already holds."""
    return f"ℹ️ الملف <code>{_code(filename)}</code> موجود في المكتبة من قبل؛ لم يتغير شيء."


def upload_too_big_message(filename: str, max_bytes: int) -> str:
    """Return the refusal for an upload over the size limit."""
    return upload_refused_message(filename, f"حجمه أكبر من الحد المسموح ({max_bytes:,} بايت).")


def upload_wrong_type_message(filename: str) -> str:
    """Return the refusal for an upload of a type the formats registry does not accept."""
    # U+200E keeps each ".txt" left-to-right inside the Arabic sentence.
    allowed = " و".join(f"\u200e{suffix}" for suffix in UPLOAD_SUFFIXES)
    return upload_refused_message(filename, f"الأنواع المقبولة: {allowed} فقط.")


def _code(text: str) -> str:
    return html.escape(shorten(text, 300))


def _fit_lines(lines: list[str]) -> str:
    """Join whole lines, dropping the last ones if the message would exceed the limit."""
    message = ""
    for line in lines:
        candidate = f"{message}\n{line}" if message else line
        if utf16_length(candidate) > MESSAGE_LIMIT - 2:
            return message + "\n" + ELLIPSIS
        message = candidate
    return message
