"""A small, real Telegram Bot API server on 127.0.0.1 for tests and benchmarks.

The bot under test talks HTTP to it exactly as it would to api.telegram.org (point
python-telegram-bot's `base_url` at `FakeBotApi.base_url`). Tests play the users
(`send_text`, `press_button`, `inline_query`, ...), then assert on what the server received
(`calls`, `wait_for`, `bot_messages`). `inject` makes the next calls of a method fail the ways
Telegram fails: flood control (429), 5xx, a timeout, a dropped connection.

What it validates is what matters to us and what Telegram rejects: HTML parse mode (see
tests/telegram_html.py), message length 1..4096 UTF-16 code units of visible text,
callback_data of at most 64 bytes, at most 50 inline results, replies to unknown messages,
edits that change nothing, unknown chats, getUpdates while a webhook is set.

Bookkeeping:
- `calls`: every call the server accepted and executed, in arrival order.
- `rejected`: calls answered with a 4xx error (`ApiCall.error` holds the description).
- `faulted`: calls that got an injected fault instead of being executed. A faulted call is
  never executed (a timed-out or dropped sendMessage delivered nothing), so a client that
  retries it is right to do so.
Markdown parse modes are accepted without validation.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from aiohttp import web

from tests.telegram_html import TelegramHtmlError, parse_telegram_html, utf16_len

TEST_TOKEN = "1234567:FAKE_loopback_token_for_tests_only_xx"

MAX_TEXT_UTF16 = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
MAX_POLL_TIMEOUT = 50.0

# Form-encoded parameters arrive as strings; these are decoded back to Python values.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "results",
        "commands",
        "reply_parameters",
        "entities",
        "caption_entities",
        "allowed_updates",
        "link_preview_options",
        "scope",
        "button",
        "media",
    }
)
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "cache_time",
        "max_connections",
        "message_thread_id",
        "from_chat_id",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "is_personal",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
    }
)
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LEADING_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


class Sender(TypedDict, total=False):
    """Who sends a message and where (defaults: user 1001 in their private chat)."""

    chat_id: int
    user_id: int
    chat_type: str
    first_name: str


@dataclass
class ApiCall:
    """One Bot API request: method name as sent, decoded parameters, monotonic arrival time.

    `error` is the description of the 4xx answer for rejected calls, `fault` the kind of
    injected fault for faulted ones; both are None for calls that were executed.
    """

    method: str
    params: dict
    at: float
    error: str | None = None
    fault: str | None = None


@dataclass(frozen=True)
class Fault:
    """A failure the server serves instead of executing a call (see the factory methods)."""

    kind: str
    retry_after: int = 0
    status: int = 0
    seconds: float = 0.0
    description: str = ""

    @staticmethod
    def flood(retry_after: int = 1) -> Fault:
        """Return a flood-control fault: HTTP 429 with `parameters.retry_after`."""
        return Fault("flood", retry_after=retry_after)

    @staticmethod
    def server_error(status: int = 502) -> Fault:
        """Return a fault answering with a bare 5xx status, as a failing proxy does."""
        return Fault("server_error", status=status)

    @staticmethod
    def timeout(seconds: float = 30) -> Fault:
        """Return a fault holding the request `seconds` (longer than the client waits), then
        closing the connection without an answer."""
        return Fault("timeout", seconds=seconds)

    @staticmethod
    def error(status: int = 400, description: str = "Bad Request: chat not found") -> Fault:
        """Return a fault answering with a Bot API error object, as Telegram refuses a call."""
        return Fault("error", status=status, description=description)

    @staticmethod
    def drop() -> Fault:
        """Return a fault closing the connection without any response."""
        return Fault("drop")


class ApiError(Exception):
    """Raised by a method implementation: the call is answered with a Bot API error."""

    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.description = description
        self.code = code


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes


@dataclass
class _Poller:
    """Wakes long-polling getUpdates requests when something changes."""

    event: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        self.event.set()
        self.event = asyncio.Event()


class FakeBotApi:
    """The loopback Bot API server; see the module docstring."""

    def __init__(
        self,
        token: str = TEST_TOKEN,
        bot_username: str = "arabic_qa_test_bot",
        bot_id: int = 7000001,
        first_update_id: int = 1,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.calls: list[ApiCall] = []
        self.rejected: list[ApiCall] = []
        self.faulted: list[ApiCall] = []
        self.confirmed_offset = 0
        self.last_update_id = 0  # the id of the newest update queued
        self.waiting_pollers = 0  # getUpdates requests currently held open (long polling)
        self.webhook: dict = {}
        self.commands: dict[str, list[dict]] = {}
        self._updates: deque[dict] = deque()
        self._update_ids = itertools.count(first_update_id)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._chats: dict[int, dict] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        self._bot_message_ids: dict[int, list[int]] = defaultdict(list)
        self._open_callback_queries: set[str] = set()
        self._open_inline_queries: set[str] = set()
        self._files: dict[str, _StoredFile] = {}
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._updates_changed = _Poller()
        self._calls_changed = _Poller()
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._methods: dict[str, Callable[[dict], Any]] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "setwebhook": self._set_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "sendchataction": self._send_chat_action,
            "answercallbackquery": self._answer_callback_query,
            "answerinlinequery": self._answer_inline_query,
            "setmycommands": self._set_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getmycommands": self._get_my_commands,
            "getfile": self._get_file,
            "senddocument": self._send_document,
            "close": self._ok,
            "logout": self._ok,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start serving on 127.0.0.1 on a free port (see `base_url`)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Answer pending long polls, then stop serving."""
        self._stopping.set()
        self._updates_changed.wake()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The Bot API URL without the token, as python-telegram-bot's `base_url` wants it."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """The file download URL without the token (`base_file_url`)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------------ playing the users

    def send_text(
        self,
        text: str,
        *,
        chat_id: int = 1001,
        user_id: int = 1001,
        chat_type: str = "private",
        reply_to_message_id: int | None = None,
        first_name: str = "سارة",
    ) -> int:
        """Queue a text message from a user; return its message_id.

        Entities for a leading /command (also /command@bot) and @bot mentions are computed.
        """
        message = self._user_message(
            chat_id=chat_id,
            user_id=user_id,
            chat_type=chat_type,
            first_name=first_name,
            reply_to_message_id=reply_to_message_id,
        )
        message["text"] = text
        entities = _text_entities(text, self.bot_username)
        if entities:
            message["entities"] = entities
        return self._queue_message(message)

    def send_sticker(self, emoji: str = "😀", **sender: Unpack[Sender]) -> int:
        """Queue a sticker from a user; return its message_id."""
        message = self._user_message(**sender)
        file_id = self._new_file(b"RIFF-sticker", "stickers", "webp")
        message["sticker"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._queue_message(message)

    def send_photo(self, caption: str | None = None, **sender: Unpack[Sender]) -> int:
        """Queue a photo (with an optional caption) from a user; return its message_id."""
        message = self._user_message(**sender)
        file_id = self._new_file(b"\xff\xd8\xff-photo", "photos", "jpg")
        message["photo"] = [
            {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 90, "height": 90}
        ]
        if caption is not None:
            message["caption"] = caption
        return self._queue_message(message)

    def send_voice(self, duration: int = 3, **sender: Unpack[Sender]) -> int:
        """Queue a voice message from a user; return its message_id."""
        message = self._user_message(**sender)
        file_id = self._new_file(b"OggS-voice", "voice", "oga")
        message["voice"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "duration": duration,
            "mime_type": "audio/ogg",
        }
        return self._queue_message(message)

    def send_document(
        self,
        file_name: str,
        data: bytes,
        *,
        mime_type: str = "text/plain",
        caption: str | None = None,
        **sender: Unpack[Sender],
    ) -> int:
        """Queue a document from a user; return its message_id. The bytes are served through
        getFile and GET `base_file_url`/<token>/<file_path>."""
        message = self._user_message(**sender)
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        file_id = self._new_file(data, "documents", extension)
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        if caption is not None:
            message["caption"] = caption
        return self._queue_message(message)

    def press_button(
        self, message_id: int, data: str, *, chat_id: int = 1001, user_id: int = 1001
    ) -> str:
        """Queue a callback query for an inline button of the bot's message; return its id."""
        stored = self._messages.get((chat_id, message_id))
        if stored is None:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        query_id = f"cbq{next(self._callback_ids)}"
        self._open_callback_queries.add(query_id)
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(user_id, "سارة"),
                    "message": _public_message(stored),
                    "chat_instance": f"ci{chat_id}",
                    "data": data,
                }
            }
        )
        return query_id

    def inline_query(self, query: str, *, user_id: int = 1001) -> str:
        """Queue an inline query (`@bot query` typed in any chat); return its id."""
        query_id = f"iq{next(self._callback_ids)}"
        self._open_inline_queries.add(query_id)
        self.push_update(
            {
                "inline_query": {
                    "id": query_id,
                    "from": self._user(user_id, "سارة"),
                    "query": query,
                    "offset": "",
                    "chat_type": "sender",
                }
            }
        )
        return query_id

    def push_update(self, update: dict) -> int:
        """Queue a raw update (its update_id is assigned here); return the update_id."""
        update = {**update, "update_id": next(self._update_ids)}
        self.last_update_id = update["update_id"]
        for kind in ("message", "edited_message", "channel_post"):
            if kind in update and "chat" in update[kind]:
                chat = update[kind]["chat"]
                self._chats.setdefault(chat["id"], chat)
        self._updates.append(update)
        self._updates_changed.wake()
        return update["update_id"]

    @property
    def pending_updates(self) -> int:
        """Number of updates not yet acknowledged by the bot."""
        return len(self._updates)

    # ------------------------------------------------------------------ assertions

    def calls_to(self, method: str) -> list[ApiCall]:
        """Return the executed calls of `method` (case-insensitive), in arrival order."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] = lambda call: True,
        timeout: float = 60.0,
    ) -> ApiCall:
        """Return the first executed call of `method` matching `predicate`, waiting for it.

        Calls already received count. Raises AssertionError listing what was received when
        nothing matches within `timeout` seconds (a bound for failing runs: a healthy one takes
        a fraction of it even on a busy machine).
        """
        deadline = time.monotonic() + timeout
        while True:
            for call in self.calls_to(method):
                if predicate(call):
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no matching {method} call within {timeout}s; received:\n{self.summary()}"
                )
            event = self._calls_changed.event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def summary(self, last: int = 30) -> str:
        """Return a short listing of the last calls received (for failure messages)."""
        everything = sorted(self.calls + self.rejected + self.faulted, key=lambda c: c.at)
        lines = []
        for call in everything[-last:]:
            params = {k: v for k, v in call.params.items() if k not in ("timeout", "offset")}
            status = f" REJECTED {call.error}" if call.error else ""
            status += f" FAULT {call.fault}" if call.fault else ""
            lines.append(f"  {call.method} {json.dumps(params, ensure_ascii=False)[:200]}{status}")
        return "\n".join(lines) or "  (nothing)"

    def bot_messages(self, chat_id: int) -> list[dict]:
        """Return the bot's messages to `chat_id` in their current state after edits.

        Each dict has message_id, text (as sent, HTML source when parse_mode is HTML),
        visible_text, entities, parse_mode, reply_markup, reply_to_message_id, edits.
        """
        return [dict(self._messages[(chat_id, mid)]) for mid in self._bot_message_ids[chat_id]]

    def inject(self, method: str, fault: Fault, times: int = 1) -> None:
        """Make the next `times` calls of `method` get `fault` instead of being executed."""
        self._faults[method.lower()].extend([fault] * times)

    def clear_faults(self) -> None:
        """Forget every injected fault not served yet."""
        self._faults.clear()

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _read_params(request)
        call = ApiCall(method=method, params=params, at=time.monotonic())
        implementation = self._methods.get(method.lower())
        if implementation is None:
            call.error = "Not Found: method not found"
            self._record(self.rejected, call)
            return _error(404, call.error)
        faults = self._faults.get(method.lower())
        if faults:
            return await self._serve_fault(request, call, faults.popleft())
        try:
            result = implementation(params)
            if inspect.isawaitable(result):  # getUpdates waits (long polling)
                result = await result
        except ApiError as exc:
            call.error = exc.description
            self._record(self.rejected, call)
            return _error(exc.code, exc.description)
        self._record(self.calls, call)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _serve_fault(
        self, request: web.Request, call: ApiCall, fault: Fault
    ) -> web.StreamResponse:
        call.fault = fault.kind
        self._record(self.faulted, call)
        if fault.kind == "flood":
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {fault.retry_after}",
                    "parameters": {"retry_after": fault.retry_after},
                },
                status=429,
            )
        if fault.kind == "error":
            return _error(fault.status, fault.description)
        if fault.kind == "server_error":
            return web.Response(status=fault.status, text="Bad Gateway")
        if fault.kind == "timeout":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), fault.seconds)
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise asyncio.CancelledError  # nothing more to write on an aborted connection

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return _error(404, "Not Found")

    def _record(self, bucket: list[ApiCall], call: ApiCall) -> None:
        bucket.append(call)
        self._calls_changed.wake()

    # ------------------------------------------------------------------ methods

    def _ok(self, params: dict) -> bool:
        return True

    def _get_me(self, params: dict) -> dict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Arabic QA Test",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    async def _get_updates(self, params: dict) -> list[dict]:
        if self.webhook.get("url"):
            raise ApiError(
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                code=409,
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(float(params.get("timeout") or 0), MAX_POLL_TIMEOUT)
        if offset > 0:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        deadline = time.monotonic() + timeout
        self.waiting_pollers += 1
        try:
            while not self._updates and not self._stopping.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                event = self._updates_changed.event
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    break
        finally:
            self.waiting_pollers -= 1
        allowed = params.get("allowed_updates") or None
        batch = [
            update
            for update in itertools.islice(self._updates, limit)
            if allowed is None or any(kind in update for kind in allowed)
        ]
        return batch

    def _delete_webhook(self, params: dict) -> bool:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _set_webhook(self, params: dict) -> bool:
        url = params.get("url") or ""
        secret = params.get("secret_token")
        if url and not url.startswith("https://"):
            raise ApiError("Bad Request: bad webhook: HTTPS url must be provided for webhook")
        if secret is not None and not _SECRET_TOKEN.match(secret):
            raise ApiError("Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = dict(params)
        return True

    def _get_webhook_info(self, params: dict) -> dict:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _send_message(self, params: dict) -> dict:
        chat = self._chat(params.get("chat_id"))
        text = _required(params, "text")
        parse_mode = params.get("parse_mode")
        visible, entities = _visible_text(text, parse_mode, params.get("entities"))
        reply_markup = params.get("reply_markup")
        _check_reply_markup(reply_markup)
        reply_to = self._reply_target(chat["id"], params)
        message = {
            "message_id": next(self._message_ids),
            "from": self._bot_user(),
            "chat": chat,
            "date": int(time.time()),
            "text": text,
            "visible_text": visible,
            "entities": entities,
            "parse_mode": parse_mode,
            "reply_markup": reply_markup,
            "reply_to_message_id": reply_to,
            "edits": 0,
        }
        self._messages[(chat["id"], message["message_id"])] = message
        self._bot_message_ids[chat["id"]].append(message["message_id"])
        return _public_message(message, self._messages)

    def _edit_message_text(self, params: dict) -> dict | bool:
        if params.get("inline_message_id"):
            _visible_text(_required(params, "text"), params.get("parse_mode"), None)
            return True
        message = self._bot_message(params)
        text = _required(params, "text")
        parse_mode = params.get("parse_mode")
        visible, entities = _visible_text(text, parse_mode, params.get("entities"))
        reply_markup = params.get("reply_markup")
        _check_reply_markup(reply_markup)
        if (
            visible == message["visible_text"]
            and entities == message["entities"]
            and reply_markup == message["reply_markup"]
        ):
            raise ApiError(
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message"
            )
        message.update(
            text=text,
            visible_text=visible,
            entities=entities,
            parse_mode=parse_mode,
            reply_markup=reply_markup,
            edits=message["edits"] + 1,
        )
        return _public_message(message, self._messages)

    def _edit_message_reply_markup(self, params: dict) -> dict | bool:
        if params.get("inline_message_id"):
            return True
        message = self._bot_message(params)
        reply_markup = params.get("reply_markup")
        _check_reply_markup(reply_markup)
        if reply_markup == message["reply_markup"]:
            raise ApiError(
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message"
            )
        message.update(reply_markup=reply_markup, edits=message["edits"] + 1)
        return _public_message(message, self._messages)

    def _send_chat_action(self, params: dict) -> bool:
        self._chat(params.get("chat_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError("Bad Request: wrong parameter action in request")
        return True

    def _answer_callback_query(self, params: dict) -> bool:
        query_id = _required(params, "callback_query_id")
        if query_id not in self._open_callback_queries:
            raise ApiError(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        if len(params.get("text") or "") > 200:
            raise ApiError("Bad Request: MESSAGE_TOO_LONG")
        self._open_callback_queries.discard(query_id)
        return True

    def _answer_inline_query(self, params: dict) -> bool:
        query_id = _required(params, "inline_query_id")
        if query_id not in self._open_inline_queries:
            raise ApiError(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        results = params.get("results")
        if not isinstance(results, list):
            raise ApiError("Bad Request: can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise ApiError("Bad Request: RESULTS_TOO_MUCH")
        ids = [str(result.get("id", "")) for result in results]
        if len(set(ids)) != len(ids):
            raise ApiError("Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            if not 1 <= len(str(result.get("id", "")).encode()) <= 64:
                raise ApiError("Bad Request: RESULT_ID_INVALID")
            content = result.get("input_message_content") or {}
            if "message_text" in content:
                _visible_text(content["message_text"], content.get("parse_mode"), None)
            _check_reply_markup(result.get("reply_markup"))
        self._open_inline_queries.discard(query_id)
        return True

    def _set_my_commands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError("Bad Request: can't parse commands JSON object")
        for command in commands:
            if not _COMMAND_NAME.match(str(command.get("command", ""))):
                raise ApiError("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError("Bad Request: command description is empty or too long")
        self.commands[_scope_key(params)] = commands
        return True

    def _delete_my_commands(self, params: dict) -> bool:
        self.commands.pop(_scope_key(params), None)
        return True

    def _get_my_commands(self, params: dict) -> list[dict]:
        return self.commands.get(_scope_key(params), [])

    def _get_file(self, params: dict) -> dict:
        stored = self._files.get(_required(params, "file_id"))
        if stored is None:
            raise ApiError("Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": f"u{stored.file_id}",
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def _send_document(self, params: dict) -> dict:
        chat = self._chat(params.get("chat_id"))
        document = params.get("document")
        if document is None:
            raise ApiError("Bad Request: there is no document in the request")
        if isinstance(document, _Upload):
            file_id = self._new_file(document.data, "documents", "bin")
            file_name = document.filename
        else:
            file_id, file_name = str(document), "document"
        caption = params.get("caption")
        message = {
            "message_id": next(self._message_ids),
            "from": self._bot_user(),
            "chat": chat,
            "date": int(time.time()),
            "text": None,
            "visible_text": None,
            "entities": [],
            "caption": caption,
            "document": {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": file_name,
            },
            "parse_mode": params.get("parse_mode"),
            "reply_markup": params.get("reply_markup"),
            "reply_to_message_id": self._reply_target(chat["id"], params),
            "edits": 0,
        }
        self._messages[(chat["id"], message["message_id"])] = message
        self._bot_message_ids[chat["id"]].append(message["message_id"])
        return _public_message(message, self._messages)

    # ------------------------------------------------------------------ helpers

    def _user(self, user_id: int, first_name: str) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "ar"}

    def _bot_user(self) -> dict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Arabic QA Test",
            "username": self.bot_username,
        }

    def _user_message(
        self,
        chat_id: int = 1001,
        user_id: int = 1001,
        chat_type: str = "private",
        first_name: str = "سارة",
        reply_to_message_id: int | None = None,
    ) -> dict:
        """Return a new message from a user in a chat (registered as known to the server)."""
        if chat_type == "private":
            chat = {"id": chat_id, "type": "private", "first_name": first_name}
        else:
            chat = {"id": chat_id, "type": chat_type, "title": f"مجموعة {chat_id}"}
        self._chats[chat_id] = chat
        message: dict = {
            "message_id": next(self._message_ids),
            "from": self._user(user_id, first_name),
            "chat": chat,
            "date": int(time.time()),
        }
        if reply_to_message_id is not None:
            replied = self._messages.get((chat_id, reply_to_message_id))
            if replied is None:
                raise KeyError(f"no message {reply_to_message_id} in chat {chat_id}")
            message["reply_to_message"] = _public_message(replied)
        return message

    def _queue_message(self, message: dict) -> int:
        self._messages[(message["chat"]["id"], message["message_id"])] = message
        self.push_update({"message": message})
        return message["message_id"]

    def _new_file(self, data: bytes, folder: str, extension: str) -> str:
        number = next(self._file_ids)
        file_id = f"FILE{number:06d}"
        path = f"{folder}/file_{number}.{extension}"
        self._files[file_id] = _StoredFile(file_id, f"u{file_id}", path, data)
        return file_id

    def _chat(self, chat_id: object) -> dict:
        if chat_id is None or chat_id == "":
            raise ApiError("Bad Request: chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError("Bad Request: chat not found")
        return chat

    def _bot_message(self, params: dict) -> dict:
        chat = self._chat(params.get("chat_id"))
        message = self._messages.get((chat["id"], params.get("message_id")))
        if message is None or message["from"]["id"] != self.bot_id:
            raise ApiError("Bad Request: message to edit not found")
        return message

    def _reply_target(self, chat_id: int, params: dict) -> int | None:
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id") or params.get("reply_to_message_id")
        if message_id is None:
            return None
        target_chat = reply.get("chat_id", chat_id)
        if (target_chat, message_id) not in self._messages:
            allowed = reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            )
            if allowed:
                return None
            raise ApiError("Bad Request: message to be replied not found")
        return message_id


@dataclass
class _Upload:
    """A file part of a multipart request."""

    filename: str
    data: bytes


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _error(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )


async def _read_params(request: web.Request) -> dict:
    """Return the request parameters (query string, JSON body or form data), decoded."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        return {**raw, **body} if isinstance(body, dict) else raw
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                raw[name] = _Upload(value.filename, value.file.read())
            else:
                raw[name] = value
    return {name: _decode(name, value) for name, value in raw.items()}


def _decode(name: str, value: Any) -> Any:
    """Turn one form value back into the Python value python-telegram-bot encoded."""
    if not isinstance(value, str):
        return value
    try:
        if name in _JSON_PARAMS:
            return json.loads(value)
        if name in _INT_PARAMS and re.fullmatch(r"-?\d+", value):
            return int(value)
        if name in _BOOL_PARAMS:
            return value.lower() in ("true", "1")
    except json.JSONDecodeError:
        return value
    return value


def _required(params: dict, name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise ApiError(
            f"Bad Request: {name} is empty"
            if name == "text"
            else f"Bad Request: {name} is required"
        )
    return value


def _visible_text(text: str, parse_mode: str | None, entities: list | None) -> tuple[str, list]:
    """Return the visible text and entities of a message, validating like Telegram."""
    if parse_mode is not None and parse_mode.lower() == "html":
        try:
            parsed = parse_telegram_html(text)
        except TelegramHtmlError as exc:
            raise ApiError(f"Bad Request: {exc}") from None
        visible, found = parsed.text, parsed.entities
    else:
        visible, found = text, list(entities or [])
    if not visible.strip():
        raise ApiError("Bad Request: message text is empty")
    if utf16_len(visible) > MAX_TEXT_UTF16:
        raise ApiError("Bad Request: message is too long")
    return visible, found


def _check_reply_markup(reply_markup: object) -> None:
    """Reject inline keyboards Telegram rejects (callback_data over 64 bytes)."""
    if not isinstance(reply_markup, dict):
        return
    for row in reply_markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise ApiError("Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ApiError("Bad Request: text buttons are unallowed in the inline keyboard")


def _scope_key(params: dict) -> str:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)


def _text_entities(text: str, bot_username: str) -> list[dict]:
    """Return the entities Telegram computes for a user's text: leading command, mentions."""
    entities = []
    command = _LEADING_COMMAND.match(text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
    mention = f"@{bot_username}"
    start = text.find(mention)
    while start != -1:
        inside_command = command is not None and start < command.end()
        if not inside_command:
            entities.append(
                {"type": "mention", "offset": utf16_len(text[:start]), "length": utf16_len(mention)}
            )
        start = text.find(mention, start + len(mention))
    return entities


def _public_message(message: dict, messages: dict | None = None) -> dict:
    """Return the Message object Telegram would show for a stored message."""
    public = {
        key: message[key]
        for key in ("message_id", "from", "chat", "date", "sticker", "photo", "voice")
        if key in message
    }
    for key in ("document", "caption"):
        if message.get(key) is not None:
            public[key] = message[key]
    if "visible_text" in message:
        if message["visible_text"] is not None:
            public["text"] = message["visible_text"]
        if message.get("entities"):
            public["entities"] = message["entities"]
        if message.get("reply_markup"):
            public["reply_markup"] = message["reply_markup"]
        if message["edits"]:
            public["edit_date"] = int(time.time())
        reply_to = message.get("reply_to_message_id")
        if reply_to is not None and messages is not None:
            replied = messages.get((message["chat"]["id"], reply_to))
            if replied is not None:
                public["reply_to_message"] = _public_message(replied)
    else:
        for key in ("text", "entities", "reply_to_message"):
            if key in message:
                public[key] = message[key]
    return public
