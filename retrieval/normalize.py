"""Arabic text normalization, shared by indexing, querying and evaluation.

Everything that compares Arabic text goes through `normalize`, so that a question typed
without hamza, with diacritics, with Persian digits or with presentation-form ligatures
matches the article text written the ordinary way.
"""

from __future__ import annotations

import re
import unicodedata

from pyarabic import araby

# Zero-width and bidirectional control characters: invisible, but they split words.
_INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space/non-joiner/joiner, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\u061c\ufeff\u00ad\u2060"  # Arabic letter mark, BOM, soft hyphen, word joiner
)

_LETTER_FOLDS = {
    araby.ALEF_HAMZA_ABOVE: araby.ALEF,
    araby.ALEF_HAMZA_BELOW: araby.ALEF,
    araby.ALEF_MADDA: araby.ALEF,
    araby.ALEF_WASLA: araby.ALEF,
    araby.ALEF_MAKSURA: araby.YEH,
    araby.TEH_MARBUTA: araby.HEH,
    araby.WAW_HAMZA: araby.WAW,
    araby.YEH_HAMZA: araby.YEH,
    # Persian and Urdu letters that stand for Arabic ones in mixed text.
    "\u06cc": araby.YEH,  # ی Farsi yeh
    "\u06d2": araby.YEH,  # ے Yeh barree
    "\u06a9": araby.KAF,  # ک Keheh
    "\u06c1": araby.HEH,  # ہ Heh goal
    "\u06c0": araby.HEH,  # ۀ Heh with yeh above
    "\u06d5": araby.HEH,  # ە Ae
    "\u0671": araby.ALEF,  # ٱ (also in ALEF_WASLA, kept explicit for clarity)
}

_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {
    chr(0x06F0 + i): str(i) for i in range(10)
}

# Arabic punctuation becomes a plain space: a separator, never part of a word.
_ARABIC_PUNCTUATION = "،؛؟«»٪٫٬۔"


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(ch): None for ch in araby.DIACRITICS}
    table[ord(araby.TATWEEL)] = None
    table.update({ord(ch): None for ch in _INVISIBLE})
    table.update({ord(src): dst for src, dst in _LETTER_FOLDS.items()})
    table.update({ord(src): dst for src, dst in _DIGITS.items()})
    table.update({ord(ch): " " for ch in _ARABIC_PUNCTUATION})
    return table


_TABLE = _build_table()
# NFKC is only needed for presentation forms, ligatures and compatibility characters.
_NEEDS_NFKC = re.compile("[\ufb50-\ufdff\ufe70-\ufeff\uff00-\uffef\u0653-\u0655]")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Return `text` folded to the canonical Arabic form used for matching.

    Applies NFKC (presentation forms and ligatures such as ﻻ become ordinary letters),
    removes diacritics, tatweel and invisible control characters, folds alef/hamza forms,
    ى→ي, ة→ه, ؤ→و, ئ→ي, Persian/Urdu letters and Arabic-Indic digits, turns Arabic
    punctuation into spaces and lower-cases Latin letters. Latin punctuation is left for
    the tokenizer, which needs full stops to recognise decimals such as 3.5.
    """
    if _NEEDS_NFKC.search(text):
        text = unicodedata.normalize("NFKC", text)
    return text.translate(_TABLE).lower()


def normalize_for_comparison(text: str) -> str:
    """Return the yardstick form of `text`: normalized, punctuation to spaces, spaces collapsed.

    This is the "light normalization" of the XQuAD yardstick and of sentence de-duplication:
    two snippets are the same answer when these forms are equal or one contains the other.
    """
    folded = normalize(text)
    folded = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in folded)
    return _SPACES.sub(" ", folded).strip()
