"""What an abbreviation stands for, read off the sentence where an article spells it out.

"PTIT kepanjangannya apa?", "What does NATIF stand for?", "AVSTC là viết tắt của gì?": the articles
write "Institut Teknologi Pos dan Telekomunikasi (PTIT)" or 'model STID - "Sains, Teknologi, Inovasi,
Transformasi Digital"', so the answer is copied from that sentence, with it as the citation, and no
model is asked (a 1.5B model restated the question or refused these).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from rag.language import fold, split_sentences
from rag.types import Chunk

_ASKS_RE = re.compile(
    r"\b(?:kepanjangan|singkatan|kependekan|akronim|stands? for|short for|full (?:name|form)|abbreviation"
    r"|acronym|viết tắt|tên đầy đủ)",
    re.IGNORECASE,
)
_ABBREVIATION_RE = re.compile(r"(?<![\w&-])[A-Z][A-Z0-9]{1,9}(?![\w&-])")
_LISTED_RE = re.compile(r"\s*(?:,\s*)?(?:\b(?:dan|serta|and|và)\b)?\s*", re.IGNORECASE)
# Lower-case words inside a name ("Institut Teknologi Pos dan Telekomunikasi"), and titles that come
# before one without being part of it ("Ketua Badan Promosi ... (NIPA)").
_CONNECTORS = frozenset(["dan", "untuk", "bagi", "and", "of", "for", "the", "và"])
_TITLES = frozenset(
    ["ketua", "direktur", "menteri", "wakil", "kepala", "presiden", "bapak", "ibu", "duta", "gubernur",
     "sekretaris", "rektor"]
)  # fmt: skip
_MAX_WORDS = 10
# 'STID - "Sains, Teknologi, Inovasi, Transformasi Digital"', 'STID ("...")'
_QUOTED_AFTER_RE = re.compile(r"\s*(?:[-–—:]|\()\s*[\"“]([^\"”]{5,150})[\"”]")
TEMPLATES = {
    "id": "{abbreviation} adalah singkatan dari {long_form} [{n}].",
    "en": "{abbreviation} stands for {long_form} (the article's Indonesian name) [{n}].",
    "vi": "{abbreviation} là viết tắt của {long_form} (tên tiếng Indonesia trong bài báo) [{n}].",
}


@dataclass(frozen=True, slots=True)
class Expansion:
    """An abbreviation, its long form, and the sentence of a chunk that gives both."""

    abbreviation: str
    long_form: str
    chunk: Chunk
    span: tuple[int, int]  # the sentence, offsets inside chunk.text

    def answer(self, lang: str, n: int = 1) -> str:
        """The answer sentence in `lang`, citing source [n]."""
        return TEMPLATES.get(lang, TEMPLATES["id"]).format(
            abbreviation=self.abbreviation, long_form=self.long_form, n=n
        )


def asked_abbreviations(question: str) -> list[str]:
    """The abbreviations a question asks the long form of ("PTIT itu kepanjangannya apa?"), else [].

    The first one, and those listed with it ("PTIT dan UTS", "AVSTC, PTIT and UTS"); a later one after
    other words is context ("PTIT yg jadi tempat peresmian AVSTC itu kepanjangannya apa?")."""
    if not _ASKS_RE.search(question):
        return []
    found = list(_ABBREVIATION_RE.finditer(question))
    asked = found[:1]
    for before, match in pairwise(found):
        if before is not asked[-1] or not _LISTED_RE.fullmatch(question[before.end() : match.start()]):
            break
        asked.append(match)
    return list(dict.fromkeys(m.group() for m in asked))


def _long_form_before(text: str) -> str | None:
    """The capitalised name that ends `text` ("... oleh Institut Teknologi Pos dan Telekomunikasi ")."""
    words: list[str] = []
    for token in reversed(re.findall(r"[\w'’-]+|[^\w\s]", text)):
        inside = fold(token) in _CONNECTORS and bool(words)  # "Pos dan Telekomunikasi"
        capital = token[0].isupper() and fold(token) not in _TITLES
        if not (inside or capital) or len(words) >= _MAX_WORDS:
            break
        words.append(token)
    while words and fold(words[-1]) in _CONNECTORS:
        words.pop()
    if sum(w[0].isupper() for w in words) < 2:
        return None
    return " ".join(reversed(words))


def find_expansion(abbreviation: str, chunks: Iterable[Chunk]) -> Expansion | None:
    """The first chunk sentence that spells `abbreviation` out, or None when no article does."""
    around = re.compile(rf"\(\s*{re.escape(abbreviation)}\s*\)|(?<![\w-]){re.escape(abbreviation)}(?![\w-])")
    for chunk in chunks:
        for match in around.finditer(chunk.text):
            if match.group().startswith("("):
                long_form = _long_form_before(chunk.text[: match.start()])
            else:
                quoted = _QUOTED_AFTER_RE.match(chunk.text, match.end())
                long_form = quoted.group(1).strip() if quoted else None
            if long_form:
                span = next(
                    ((a, b) for a, b in split_sentences(chunk.text) if a <= match.start() < b),
                    (match.start(), match.end()),
                )
                return Expansion(abbreviation, long_form, chunk, span)
    return None
