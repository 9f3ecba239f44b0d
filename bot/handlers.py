"""The bot's conversation: commands, questions, «المزيد», inline mode, uploads and errors.

`BotHandlers` holds what the callbacks share (settings, the live retriever, the per-user
rate limiter, the reload task); `bot.app.build_application` registers its methods. Searches
and corpus changes run in worker threads so the event loop keeps answering other chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import time
from collections.abc import Callable, Sequence
from pathlib import PurePath

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from bot import conversation, replies
from bot.config import Settings
from bot.feedback import FeedbackRecorder, feedback_question_id, parse_press, with_feedback_buttons
from bot.ratelimit import UserRateLimiter, Verdict
from retrieval.add import AddError, add_document
from retrieval.confidence import Band
from retrieval.feedback import RateOutcome
from retrieval.followup import PreviousTurn
from retrieval.formats import UPLOAD_SUFFIXES
from retrieval.live import LiveRetriever, ReloadReport
from retrieval.opensearch.client import BackendUnavailable
from retrieval.opensearch.live import ClusterLive, ClusterRetriever
from retrieval.search import Hit, Retriever, SearchResult

log = logging.getLogger(__name__)

MORE_PREFIX = "more:"
MORE_PATTERN = r"^more:\d{1,4}$"
INLINE_RESULTS = 10
_ASK_COMMAND = re.compile(r"^/ask(@\w+)?\s*", re.IGNORECASE)

PUBLIC_COMMANDS = (
    BotCommand("start", "بدء المحادثة وطريقة الاستخدام"),
    BotCommand("help", "كيف أسأل؟ مع أمثلة"),
    BotCommand("ask", "اطرح سؤالًا (مفيد في المجموعات)"),
    BotCommand("sources", "عدد المقالات ومصادرها"),
    BotCommand("privacy", "ما الذي يحفظه البوت عن الأسئلة"),
    BotCommand("new", "موضوع جديد: لا أربط سؤالك التالي بما سبقه"),
)
ADMIN_COMMANDS = (
    *PUBLIC_COMMANDS,
    BotCommand("stats", "حالة المكتبة والملفات المتخطاة (للمشرفين)"),
    BotCommand("reload", "إعادة تحميل المقالات الآن (للمشرفين)"),
)

Context = ContextTypes.DEFAULT_TYPE


class BotHandlers:
    """The update callbacks of one bot, sharing its settings and corpus."""

    def __init__(
        self,
        settings: Settings,
        live: LiveRetriever | ClusterLive,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.live = live
        self.limiter = UserRateLimiter(settings.rate_limit_per_minute, clock=clock)
        self.clock = clock
        self.feedback = FeedbackRecorder.from_settings(settings)
        self._reload_task: asyncio.Task[None] | None = None

    # ---- lifecycle -------------------------------------------------------------------

    async def post_init(self, application: Application) -> None:
        """Load the index once, register the command menus and start the reload loop."""
        report = await asyncio.to_thread(self.live.load)  # raises when it cannot load
        if report.articles == 0:
            log.warning("the corpus %s holds no article yet", self.settings.corpus_dir)
        await self._set_commands(application)
        if self.settings.reload_interval > 0:
            self._reload_task = asyncio.create_task(self._reload_loop(), name="corpus-reload")

    async def post_stop(self, application: Application) -> None:
        """Stop the reload loop (a reload already running in its thread finishes)."""
        if self._reload_task is not None:
            self._reload_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reload_task
            self._reload_task = None
        await self.feedback.close()

    async def _set_commands(self, application: Application) -> None:
        """Register the Arabic command menus; a failure is a warning, not a reason to stop.

        Admins get a menu with the admin commands too (Telegram refuses it for an admin who
        has never started a chat with the bot; the others still get theirs).
        """
        menus: list[tuple[Sequence[BotCommand], BotCommandScope]]
        menus = [(PUBLIC_COMMANDS, BotCommandScopeDefault())]
        menus += [(ADMIN_COMMANDS, BotCommandScopeChat(a)) for a in sorted(self.settings.admin_ids)]
        for commands, scope in menus:
            try:
                await application.bot.set_my_commands(commands, scope=scope)
            except TelegramError as error:
                log.warning(
                    "could not register the %s command menu (running anyway): %s",
                    scope.type,
                    error,
                )

    async def _reload_loop(self) -> None:
        """Every `reload_interval` seconds, pick up added, changed and removed corpus files.

        LiveRetriever logs what each reload changed, and keeps the old index on failure.
        """
        while True:
            await asyncio.sleep(self.settings.reload_interval)
            try:
                await asyncio.to_thread(self.live.reload)
            except Exception:
                log.exception("corpus reload crashed; keeping the current index")

    # ---- access control and rate limiting ----------------------------------------------

    def is_admin(self, update: Update) -> bool:
        """Return whether the update comes from a user listed in ADMIN_IDS."""
        user = update.effective_user
        return user is not None and user.id in self.settings.admin_ids

    def is_allowed(self, update: Update) -> bool:
        """Return whether the update's chat (or user, for inline queries) may use the bot."""
        allowed = self.settings.allowed_chat_ids
        if allowed is None or self.is_admin(update):
            return True
        chat = update.effective_chat
        if chat is not None:
            return chat.id in allowed
        user = update.effective_user
        return user is not None and user.id in allowed

    async def guard(self, update: Update, context: Context) -> None:
        """Stop every update from a chat outside ALLOWED_CHAT_IDS, refusing it politely.

        Runs before all other handlers. In groups only commands get the refusal, so a bot
        added to a foreign group does not answer its chatter.
        """
        if self.is_allowed(update):
            return
        user = update.effective_user
        verdict = self.limiter.check(user.id) if user else Verdict.ALLOW
        if verdict is Verdict.ALLOW:
            await _refuse(update, replies.NOT_ALLOWED, only_commands_in_groups=True)
        elif update.callback_query is not None:
            await update.callback_query.answer()
        raise ApplicationHandlerStop

    async def admit(self, update: Update) -> bool:
        """Return whether this user may be answered now; send the one flood notice if due."""
        user = update.effective_user
        if user is None or self.is_admin(update):
            return True
        verdict = self.limiter.check(user.id)
        if verdict is Verdict.NOTIFY:
            log.info("user %s is over the rate limit; slowing them down", user.id)
            await _refuse(update, replies.RATE_LIMITED)
        elif verdict is Verdict.DROP and update.callback_query is not None:
            await update.callback_query.answer()  # stop the button's spinner, say nothing
        return verdict is Verdict.ALLOW

    # ---- commands ----------------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        """/start and /help: what the bot does, how to ask, and examples from the corpus."""
        retriever = self.live.current
        examples = await asyncio.to_thread(answerable_examples, retriever)
        text = replies.help_message(examples, retriever.stats().articles)
        await _message(update).reply_html(text)

    async def sources(self, update: Update, context: Context) -> None:
        """/sources: how many articles there are and from which sources."""
        stats = self.live.current.stats()
        await _message(update).reply_html(replies.sources_message(stats))

    async def ask(self, update: Update, context: Context) -> None:
        """/ask question: answer a question in any chat, typically a group."""
        message = _message(update)
        question = _ASK_COMMAND.sub("", message.text or "", count=1).strip()
        if not question:
            await message.reply_html(replies.ASK_USAGE)
            return
        await self.answer(update, context, question)

    async def new_topic(self, update: Update, context: Context) -> None:
        """/new: forget the chat's previous question, so the next one stands alone."""
        conversation.forget(context.chat_data)
        await _message(update).reply_html(replies.NEW_TOPIC)

    async def stats(self, update: Update, context: Context) -> None:
        """/stats (admins): counts, last reload and the files that were skipped and why."""
        if not await self._admin_only(update):
            return
        report = self.live.last_report
        text = replies.stats_message(
            self.live.current.stats(),
            report.at if report else None,
            report.seconds if report else None,
            report.error if report else None,
        )
        if self.feedback.enabled:
            figures = await self.feedback.stats()
            section = replies.feedback_stats_message(figures) if figures else None
            text += "\n\n" + (section or replies.FEEDBACK_UNAVAILABLE)
        await _message(update).reply_html(text)

    async def privacy(self, update: Update, context: Context) -> None:
        """/privacy: what the bot keeps about questions and ratings (nothing when off)."""
        text = replies.privacy_message(self.feedback.enabled, self.settings.feedback_retention_days)
        if update.effective_message is not None:
            await update.effective_message.reply_html(text)

    async def reload(self, update: Update, context: Context) -> None:
        """/reload [force] (admins): re-read the corpus now and report what changed."""
        if not await self._admin_only(update):
            return
        args = context.args or []
        force = bool(args) and args[0].lower() == "force"
        report = await asyncio.to_thread(self.live.reload, force)
        await _message(update).reply_html(_reload_reply(report))

    async def _admin_only(self, update: Update) -> bool:
        """Return whether the sender is an admin; refuse politely when not."""
        if self.is_admin(update):
            return True
        await _message(update).reply_html(replies.ADMIN_ONLY)
        return False

    # ---- questions ---------------------------------------------------------------------

    async def private_text(self, update: Update, context: Context) -> None:
        """A text message in a private chat is a question."""
        await self.answer(update, context, _message(update).text or "")

    async def group_text(self, update: Update, context: Context) -> None:
        """A group message is a question only when it mentions or replies to the bot."""
        question = addressed_question(_message(update), context.bot.id, context.bot.username)
        if question is not None:
            await self.answer(update, context, question)

    async def answer(self, update: Update, context: Context, question: str) -> None:
        """Reply to the question message with the best sentences and a «المزيد» button."""
        message = _message(update)
        question = replies.shorten(question, self.settings.max_question_chars)
        if not question:
            await message.reply_html(replies.ASK_USAGE)
            return
        if not await self.admit(update):
            return
        if message.chat.type == ChatType.PRIVATE:
            # Not in groups: Telegram counts the action against the group's 20 messages a
            # minute, and a search takes milliseconds, so it would only halve the answers.
            with contextlib.suppress(TelegramError):
                await message.chat.send_action(ChatAction.TYPING)
        now = self.clock()
        previous = conversation.previous_turn(context.chat_data, now, self.settings.follow_up_ttl)
        result = await self._search(question, 0, previous)
        hits = [] if result.band is Band.NONE else result.hits
        conversation.remember(context.chat_data, question, hits, previous, now)
        # Uncertain: only the closest sentence, the others behind «المزيد».
        page = 1 if result.band is Band.UNCERTAIN else self.settings.top_k
        answer = replies.answer_message(question, hits[:page], 0, result.band)
        user_id = update.effective_user.id if update.effective_user else 0
        shown = hits[: answer.shown]
        question_id = await self.feedback.record(message.chat.type, user_id, question, shown)
        await message.reply_html(
            answer.text,
            reply_markup=with_feedback_buttons(
                _more_keyboard(hits, answer.shown, 0), question_id if shown else None
            ),
        )

    async def more(self, update: Update, context: Context) -> None:
        """«المزيد»: edit the answer to show the results after the ones it shows now."""
        query = update.callback_query
        if query is None or query.data is None:
            return
        offset = int(query.data.removeprefix(MORE_PREFIX))
        question = question_of_answer(query, context.bot.username)
        if question is None:
            await query.answer(replies.QUESTION_GONE, show_alert=True)
            return
        if not await self.admit(update):
            return
        previous = conversation.turn_followed(context.chat_data, question)
        result = await self._search(question, offset, previous)
        hits = [] if result.band is Band.NONE else result.hits
        shown = query.message if isinstance(query.message, Message) else None
        question_id = feedback_question_id(shown.reply_markup if shown else None)  # keep 👍/👎
        if not hits:
            await query.answer(replies.NO_MORE)
            if isinstance(query.message, Message) and query.message.reply_markup is not None:
                with contextlib.suppress(TelegramError):
                    await query.edit_message_reply_markup(
                        reply_markup=with_feedback_buttons(None, question_id)
                    )
            return
        await query.answer()
        answer = replies.answer_message(question, hits[: self.settings.top_k], offset, result.band)
        try:
            await query.edit_message_text(
                answer.text,
                parse_mode=ParseMode.HTML,
                reply_markup=with_feedback_buttons(
                    _more_keyboard(hits, answer.shown, offset), question_id
                ),
            )
        except BadRequest as error:
            # A second tap on the same button asks for the page already shown.
            if "not modified" not in str(error).lower():
                raise

    async def rate(self, update: Update, context: Context) -> None:
        """👍/👎 under an answer: store the rating once per user and question, then thank."""
        query = update.callback_query
        if query is None:
            return
        pressed = parse_press(query.data or "")
        user = update.effective_user
        if pressed is None or user is None or not self.feedback.enabled:
            await query.answer()  # a button from before FEEDBACK=off: nothing to store
            return
        outcome = await self.feedback.rate(pressed[0], user.id, pressed[1])
        await query.answer(_RATING_REPLIES[outcome])

    async def _search(
        self, question: str, offset: int, previous: PreviousTurn | None = None
    ) -> SearchResult:
        """Return top_k + 1 hits from `offset` (one extra tells whether «المزيد» has more)
        and the band of the answer under the configured thresholds.

        `previous` is the chat's last question, for a follow-up (`retrieval.followup`).
        """
        retriever = self.live.current
        search = functools.partial(
            retriever.respond, thresholds=self.settings.thresholds, follow_up=previous
        )
        return await asyncio.to_thread(search, question, self.settings.top_k + 1, offset)

    async def inline(self, update: Update, context: Context) -> None:
        """Inline mode: up to 10 sentences as articles the user can send into any chat."""
        query = update.inline_query
        if query is None:
            return
        question = replies.shorten(query.query, self.settings.max_question_chars)
        if not question:
            await query.answer([], cache_time=300)
            return
        retriever = self.live.current
        result = await asyncio.to_thread(
            functools.partial(retriever.respond, thresholds=self.settings.thresholds),
            question,
            INLINE_RESULTS,
        )
        hits = [] if result.band is Band.NONE else result.hits
        mark = replies.UNCERTAIN_MARK if result.band is Band.UNCERTAIN else ""
        results = [
            InlineQueryResultArticle(
                id=str(n),
                title=replies.shorten(hit.article.title or hit.article.id, 100),
                description=mark + replies.shorten(hit.text, 200),
                input_message_content=InputTextMessageContent(
                    replies.inline_answer(hit, result.band), parse_mode=ParseMode.HTML
                ),
            )
            for n, hit in enumerate(hits)
        ]
        await query.answer(results, cache_time=60)

    # ---- everything else ---------------------------------------------------------------

    async def unknown_command(self, update: Update, context: Context) -> None:
        """An unknown /command in a private chat gets pointed to /help."""
        await _message(update).reply_html(replies.UNKNOWN_COMMAND)

    async def non_text(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice and the like in a private chat get a short hint."""
        await _message(update).reply_html(replies.NON_TEXT_HINT)

    async def upload(self, update: Update, context: Context) -> None:
        """An admin's .txt/.md/.jsonl document is added to the corpus and made answerable."""
        message = _message(update)
        if not self.is_admin(update):
            await message.reply_html(replies.UPLOAD_ADMIN_ONLY)
            return
        document = message.document
        if document is None:
            return
        filename = PurePath(document.file_name or "").name
        limit = self.settings.max_upload_bytes
        if not filename.lower().endswith(UPLOAD_SUFFIXES):
            await message.reply_html(replies.upload_wrong_type_message(filename or "?"))
            return
        if document.file_size is not None and document.file_size > limit:
            await message.reply_html(replies.upload_too_big_message(filename, limit))
            return
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
        if len(data) > limit:
            await message.reply_html(replies.upload_too_big_message(filename, limit))
            return
        if not data:
            await message.reply_html(replies.upload_refused_message(filename, replies.UPLOAD_EMPTY))
            return
        corpus_dir = self.settings.corpus_dir
        try:
            added = await asyncio.to_thread(add_document, corpus_dir, filename, data, limit)
        except AddError as error:
            log.info("upload of %r refused: %s", filename, error)
            await message.reply_html(
                replies.upload_refused_message(filename, replies.UPLOAD_UNREADABLE, str(error))
            )
            return
        if added.already_present:
            await message.reply_html(replies.upload_present_message(added.path.name))
            return
        report = await asyncio.to_thread(self.live.reload)
        if report.error:
            await message.reply_html(_reload_reply(report))
            return
        await message.reply_html(
            replies.upload_added_message(
                added.path.name, added.title, added.articles, report.articles
            )
        )

    async def on_error(self, update: object, context: Context) -> None:
        """Log any failure with its update id and apologise to the user, never with details."""
        error = context.error
        if not isinstance(update, Update):
            if isinstance(error, NetworkError):
                log.warning("Bot API unreachable or failing, retrying: %s", error)
            else:
                log.error("error outside an update: %s", error, exc_info=error)
            return
        apology = replies.APOLOGY
        if isinstance(error, BackendUnavailable):
            log.warning("update %s: %s", update.update_id, error)
            apology = replies.SERVICE_UNAVAILABLE
        else:
            log.error("update %s failed: %r", update.update_id, error, exc_info=error)
        with contextlib.suppress(TelegramError):
            if update.callback_query is not None:
                await update.callback_query.answer(apology, show_alert=True)
            elif update.effective_message is not None:
                await _message(update).reply_html(apology)


_RATING_REPLIES = {
    RateOutcome.STORED: replies.RATING_THANKS,
    RateOutcome.CHANGED: replies.RATING_CHANGED,
    RateOutcome.UNCHANGED: replies.RATING_ALREADY,
    RateOutcome.UNKNOWN_QUESTION: replies.RATING_GONE,
    None: replies.RATING_FAILED,
}


def answerable_examples(retriever: Retriever | ClusterRetriever, count: int = 3) -> list[str]:
    """Return up to `count` example questions from the corpus titles that get an answer."""
    candidates = replies.example_questions(retriever.articles, count=count * 2)
    return [q for q in candidates if retriever.search(q, top_k=1)][:count]


def addressed_question(message: Message, bot_id: int, bot_username: str | None) -> str | None:
    """Return the question of a group message addressed to the bot, or None for chatter.

    A message is addressed when it replies to one of the bot's messages or mentions the bot
    (by @username or as a text mention); the mention itself is removed from the question.
    """
    text = message.text or ""
    replied = message.reply_to_message
    addressed = bool(replied and replied.from_user and replied.from_user.id == bot_id)
    mention = f"@{bot_username}".lower() if bot_username else None
    entities = message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
    for entity, value in entities.items():
        if (entity.type == MessageEntity.MENTION and value.lower() == mention) or (
            entity.user is not None and entity.user.id == bot_id
        ):
            addressed = True
            text = text.replace(value, " ")
    return " ".join(text.split()) if addressed else None


def question_of_answer(query: CallbackQuery, bot_username: str | None) -> str | None:
    """Return the question a «المزيد» button belongs to, or None when it cannot be found.

    The answer's first line shows the question, so this survives restarts; the message the
    answer replies to is the fallback.
    """
    message = query.message
    if not isinstance(message, Message):
        return None
    question = replies.question_from_answer(message.text)
    if question is None and message.reply_to_message is not None:
        original = message.reply_to_message
        text = _ASK_COMMAND.sub("", original.text or "", count=1)
        if bot_username:
            text = re.sub(rf"@{re.escape(bot_username)}\b", " ", text, flags=re.IGNORECASE)
        question = " ".join(text.split()) or None
    return question


def _more_keyboard(hits: list[Hit], shown: int, offset: int) -> InlineKeyboardMarkup | None:
    """Return the «المزيد» button when results exist beyond the `shown` ones, else None."""
    if shown == 0 or len(hits) <= shown:
        return None
    button = InlineKeyboardButton(
        replies.MORE_BUTTON, callback_data=f"{MORE_PREFIX}{offset + shown}"
    )
    return InlineKeyboardMarkup([[button]])


async def _refuse(update: Update, text: str, only_commands_in_groups: bool = False) -> None:
    """Tell the user `text` where they will see it: a reply, an alert, or nothing (inline).

    With `only_commands_in_groups`, group messages other than commands get no reply.
    """
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.inline_query is not None:
        await update.inline_query.answer([], cache_time=0)
    elif update.effective_message is not None:
        message = _message(update)
        in_group = message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
        is_command = (message.text or "").startswith("/")
        if not (only_commands_in_groups and in_group and not is_command):
            await message.reply_html(text)


def _message(update: Update) -> Message:
    """Return the update's message: every handler that calls this is registered for
    messages (or commands), so there is one; raises for a wiring bug, never for a user."""
    message = update.effective_message
    if message is None:
        raise ValueError(f"update {update.update_id} has no message")
    return message


def _reload_reply(report: ReloadReport) -> str:
    return replies.reload_message(
        report.changed,
        report.articles,
        report.sentences,
        report.added,
        report.modified,
        report.removed,
        report.seconds,
        report.error,
    )
