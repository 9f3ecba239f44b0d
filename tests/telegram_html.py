"""Telegram's HTML parse mode, checked the way the Bot API checks it.

`parse_telegram_html` turns a message written for `parse_mode="HTML"` into the visible text and
its entities, or raises `TelegramHtmlError` with the reason Telegram would give
("can't parse entities: ..."). The loopback Bot API server uses it to reject what Telegram
would reject, and the hostile-input tests use it to prove every reply is valid.

It is deliberately a little stricter than Telegram: a bare `<` or `&` that does not start a
tag or an entity is rejected, because a correctly escaping renderer never produces one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

SUPPORTED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "blockquote",
        "tg-emoji",
    }
)
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_UNESCAPED = re.compile(r"[<&]")


class TelegramHtmlError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's wording after the colon."""


@dataclass(frozen=True, slots=True)
class ParsedHtml:
    """Visible text of an HTML message and its entities (offsets in UTF-16 code units)."""

    text: str
    entities: list[dict]


def utf16_len(text: str) -> int:
    """Return the length of `text` in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


def parse_telegram_html(source: str) -> ParsedHtml:
    """Return the visible text and entities of `source`, or raise `TelegramHtmlError`."""
    parser = _TelegramHtmlParser()
    try:
        parser.feed(source)
        parser.close()
    except AssertionError as exc:  # html.parser signals some malformed markup this way
        raise TelegramHtmlError(f"can't parse entities: {exc}") from None
    parser.finish()
    return ParsedHtml(text="".join(parser.pieces), entities=parser.entities)


class _TelegramHtmlParser(HTMLParser):
    """Collects visible text and entities; raises on anything Telegram refuses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.pieces: list[str] = []
        self.entities: list[dict] = []
        self.visible_len = 0  # visible text length so far, UTF-16 code units
        self.open_tags: list[tuple[str, int, dict]] = []

    def _append(self, text: str) -> None:
        self.pieces.append(text)
        self.visible_len += utf16_len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SUPPORTED_TAGS:
            raise TelegramHtmlError(f'can\'t parse entities: unsupported start tag "{tag}"')
        attributes = {name: value for name, value in attrs}
        entity: dict = {"type": ENTITY_TYPES[tag]}
        if tag == "a":
            if not attributes.get("href"):
                raise TelegramHtmlError('can\'t parse entities: tag "a" must have href')
            entity["url"] = attributes["href"]
        elif tag == "span" and attributes.get("class") != "tg-spoiler":
            raise TelegramHtmlError(
                'can\'t parse entities: tag "span" must have class "tg-spoiler"'
            )
        elif tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            if not attributes.get("emoji-id"):
                raise TelegramHtmlError('can\'t parse entities: tag "tg-emoji" needs emoji-id')
            entity["custom_emoji_id"] = attributes["emoji-id"]
        elif tag == "code" and (attributes.get("class") or "").startswith("language-"):
            entity["language"] = attributes["class"].removeprefix("language-")
        self.open_tags.append((tag, self.visible_len, entity))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise TelegramHtmlError(f'can\'t parse entities: unsupported start tag "{tag}/"')

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags:
            raise TelegramHtmlError(f'can\'t parse entities: unexpected end tag "{tag}"')
        open_tag, start, entity = self.open_tags.pop()
        if open_tag != tag:
            raise TelegramHtmlError(
                f'can\'t parse entities: unmatched end tag, expected "</{open_tag}>", '
                f'found "</{tag}>"'
            )
        if self.visible_len > start:
            self.entities.append({**entity, "offset": start, "length": self.visible_len - start})

    def handle_data(self, data: str) -> None:
        stray = _UNESCAPED.search(data)
        if stray:
            raise TelegramHtmlError(
                f"can't parse entities: unescaped {stray.group()!r} in text; use &lt; and &amp;"
            )
        self._append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in NAMED_ENTITIES:
            raise TelegramHtmlError(f'can\'t parse entities: unsupported entity "&{name};"')
        self._append(NAMED_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self._append(chr(code))
        except (ValueError, OverflowError):
            raise TelegramHtmlError(
                f"can't parse entities: bad character reference &#{name};"
            ) from None

    def handle_comment(self, data: str) -> None:
        raise TelegramHtmlError("can't parse entities: comments are not supported")

    def handle_decl(self, decl: str) -> None:
        raise TelegramHtmlError("can't parse entities: declarations are not supported")

    def handle_pi(self, data: str) -> None:
        raise TelegramHtmlError("can't parse entities: processing instructions are not supported")

    def unknown_decl(self, data: str) -> None:
        raise TelegramHtmlError("can't parse entities: CDATA is not supported")

    def finish(self) -> None:
        """Raise if a tag is still open once the whole text has been read."""
        if self.open_tags:
            tag = self.open_tags[-1][0]
            raise TelegramHtmlError(
                f"can't parse entities: can't find end tag corresponding to start tag \"{tag}\""
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
