"""English and Vietnamese words to the Indonesian words the articles use (rag/data/glossary.tsv).

A question in English or Vietnamese shares almost no words with the Indonesian passages: only names and
numbers. The glossary gives it Indonesian words to match on, dictionary-based query translation as in
cross-language retrieval. It only adds search terms; nothing is shown to the model or the user as a
translation.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from rag.language import content_terms, fold, same_meaning

GLOSSARY_FILE = "data/glossary.tsv"
# Questions whose search (BM25 and the choice of passage sentences) adds the glossary's words. Not
# English: it shares loanwords and names with the passages already, and measured over the four eval
# sets the added words lost two right English answers and made one unanswerable question answered,
# where for Vietnamese they put the answer's facts before the model in 18 of 22 questions (12 without).
SEARCH_LANGS = ("vi",)


Entry = tuple[re.Pattern[str], re.Pattern[str] | None, str]


@lru_cache(maxsize=1)
def _entries() -> tuple[Entry, ...]:
    text = resources.files("rag").joinpath(GLOSSARY_FILE).read_text(encoding="utf-8")
    return parse_glossary(text)


# En and em dashes, typed by word processors and phones, are hyphens to the glossary.
_DASH_RE = re.compile(r"[\u2010-\u2015\u2212]")


def _bounded(phrase: str) -> re.Pattern[str]:
    """The phrase as whole words; an English phrase also in the plural ("ministries", "officials")."""
    body = re.escape(phrase)
    if phrase.isascii() and phrase[-1:].isalpha():
        body = f"{re.escape(phrase[:-1])}(?:y|ies)" if phrase.endswith("y") else f"{body}(?:e?s)?"
    return re.compile(rf"(?<!\w){body}(?!\w)")


def parse_glossary(text: str) -> tuple[Entry, ...]:
    """(pattern, folded pattern or None, Indonesian words) per phrase, longest phrase first.

    The folded pattern finds a phrase typed without diacritics; a single Vietnamese syllable has none,
    since without its marks it is too often another word ("năm", year, would match "Nam").
    ValueError names the first malformed line.
    """
    merged: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        phrase, sep, target = line.partition("\t")
        if not sep or not phrase.strip() or not target.strip() or "\t" in target:
            raise ValueError(f"{GLOSSARY_FILE} line {number}: expected 'phrase<TAB>Indonesian words'")
        merged.setdefault(" ".join(phrase.lower().split()), []).append(target.strip())
    entries = []
    for phrase in sorted(merged, key=lambda p: (-len(p.split()), -len(p), p)):
        folded = fold(phrase)
        loose = _bounded(folded) if folded != phrase and " " in phrase else None
        entries.append((_bounded(phrase), loose, " ".join(dict.fromkeys(merged[phrase]))))
    return tuple(entries)


@lru_cache(maxsize=256)  # one question is looked up by retrieval, the prompt and the answer checks
def glossary_matches(question: str, lang: str) -> tuple[tuple[str, str], ...]:
    """(phrase as found, its Indonesian words) for each glossary phrase in an English or Vietnamese
    question, in glossary order (none for Indonesian).

    Longer phrases are matched first and use up their words: "bộ khoa học và công nghệ" gives
    "Kementerian Sains dan Teknologi" and not also the entry for "khoa học".
    """
    if lang not in ("en", "vi"):
        return ()
    entries = _entries()
    text = " ".join(_DASH_RE.sub("-", question.lower()).split())  # "châu Á – Thái Bình Dương"
    found: list[tuple[str, str]] = []
    for pattern, _, target in entries:
        found += [(m.group(), target) for m in pattern.finditer(text)]
        text = pattern.sub(" | ", text)
    text = fold(text)
    for _, loose, target in entries:
        if loose is not None:
            found += [(m.group(), target) for m in loose.finditer(text)]
            text = loose.sub(" | ", text)
    return tuple(found)


def indonesian_terms(question: str, lang: str) -> str:
    """The Indonesian words for the glossary phrases in an English or Vietnamese question ("" for id)."""
    return " ".join(dict.fromkeys(target for _, target in glossary_matches(question, lang)))


def search_terms(query: str, lang: str) -> str:
    """The glossary's Indonesian words to search with as well, for a language in SEARCH_LANGS ("" else)."""
    return indonesian_terms(query, lang) if lang in SEARCH_LANGS else ""


def phrases_found(question: str, lang: str, windows: list[str]) -> tuple[int, int]:
    """(found, asked): how many of the glossary phrases of an English or Vietnamese question have one of
    their Indonesian words (or a word of the same meaning) in `windows`, the sentences an answer cites.

    A phrase counts once however many Indonesian words it has: "tổ chức" (organise) gives four forms of
    one verb, and finding any of them is finding what was asked. A phrase whose words are all function
    words ("năm" -> "tahun") is not counted.
    """
    found = set().union(*(content_terms(w) for w in windows))
    asked = [terms for _, target in glossary_matches(question, lang) if (terms := content_terms(target))]
    hits = sum(1 for terms in asked if any(same_meaning(t) & found for t in terms))
    return hits, len(asked)
