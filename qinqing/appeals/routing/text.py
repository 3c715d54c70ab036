"""Text preparation for the appeals router and the knowledge base.

The router reads a message as ``title + " " + body`` (the CLI contract). Text is
normalised with NFKC (full-width letters and digits become half-width), lower-cased and
its whitespace collapsed; words come from jieba. Boilerplate removal (greetings, masked
phone numbers, ``A市``/``A3区`` codes) was measured and did not help, so the text is
otherwise kept as written (docs/dev/router.md).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable

_WHITESPACE = re.compile(r"\s+")


def message_text(title: str | None, body: str | None) -> str:
    """The router's input for one message: title, one space, body.

    Examples:
        >>> message_text("路灯不亮", "小区门口路灯坏了")
        '路灯不亮 小区门口路灯坏了'
        >>> message_text(None, "只有正文")
        ' 只有正文'
    """
    return f"{title or ''} {body or ''}"


def normalize_text(text: str) -> str:
    """NFKC, lower case, one space for every whitespace run, no outer spaces.

    Examples:
        >>> normalize_text("  ＡＢＣ市\\t 营业执照   办理 ")
        'abc市 营业执照 办理'
    """
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


_jieba_ready = False


def _jieba():
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        jieba.setLogLevel(logging.WARNING)  # the dictionary cache message is noise on stderr
        jieba.initialize()
        _jieba_ready = True
    return jieba


def word_tokens(normalized: str) -> list[str]:
    """jieba words of a normalised text, whitespace dropped.

    Examples:
        >>> word_tokens("办理营业执照 需要 什么材料")
        ['办理', '营业执照', '需要', '什么', '材料']
    """
    return [word for word in _jieba().lcut(normalized) if not word.isspace()]


def joined_words(texts: Iterable[str]) -> list[str]:
    """Each normalised text as its jieba words joined by single spaces (cheap to re-split)."""
    return [" ".join(word_tokens(text)) for text in texts]


def split_words(joined: str) -> list[str]:
    """Analyzer for pre-tokenised text: a module-level function so vectorizers stay simple."""
    return joined.split(" ") if joined else []
