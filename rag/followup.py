"""Follow-up questions ("Siapa dia?", "And when?") rewritten into standalone ones, by rules."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.citations import MARKER_RE, names_in
from rag.language import STOPWORDS, words


def _wordset(text: str) -> frozenset[str]:
    """The white-space separated words of a text."""
    return frozenset(text.split())


# Personal pronouns point back to someone named before, whatever the length of the question.
_PERSONAL = _wordset("dia ia beliau mereka he she they him her his them their ấy họ")
# Demonstratives and adverbs point back only in a short question ("Kapan itu?"); a long one with
# "pertemuan tersebut" usually stands alone.
_ANAPHORS = _PERSONAL | _wordset("itu tersebut sana situ it its that this those these there then đó này kia")
# Openings of a question that continues the previous one.
_CONTINUATIONS = re.compile(
    r"^\s*(dan|lalu|kemudian|terus|kalau|bagaimana dengan|juga|and|also|what about|how about|then|"
    r"còn|thế còn|vậy|và)\b",
    re.IGNORECASE,
)
# A question of at most this many content words is too short to stand alone when it also points back.
MAX_FOLLOWUP_CONTENT_WORDS = 4

History = Sequence[tuple[str, str]] | Sequence[dict[str, str]]


@dataclass(frozen=True, slots=True)
class Rewrite:
    """The question to search for and to show the model, and whether it was rewritten."""

    query: str  # what retrieval searches
    question: str  # what the model is asked
    rewritten: bool


def turns(history: History | None) -> list[tuple[str, str]]:
    """(question, answer) pairs from (q, a) tuples or from chat messages with roles."""
    if not history:
        return []
    pairs: list[tuple[str, str]] = []
    for item in history:
        if isinstance(item, dict):
            role, content = item.get("role", ""), item.get("content", "")
            if role == "user":
                pairs.append((content, ""))
            elif role == "assistant" and pairs:
                pairs[-1] = (pairs[-1][0], content)
        else:
            pairs.append((item[0], item[1]))
    return pairs


def is_followup(question: str) -> bool:
    """True for short questions that point back ("Siapa dia?", "Kapan itu?") or continue ("And when?")."""
    tokens = words(question)
    content = [w for w in tokens if w not in STOPWORDS and w not in _ANAPHORS]
    points_back = any(w in _ANAPHORS or (len(w) > 5 and w.endswith("nya")) for w in tokens)
    if any(w in _PERSONAL for w in tokens):
        return True
    if _CONTINUATIONS.match(question) and len(content) <= MAX_FOLLOWUP_CONTENT_WORDS:
        return True
    return (points_back and len(content) <= MAX_FOLLOWUP_CONTENT_WORDS) or not content


def rewrite_followup(question: str, history: History | None) -> Rewrite:
    """A standalone question: a follow-up gets the previous question, and names from the previous answer."""
    pairs = [(q, a) for q, a in turns(history) if q.strip()]
    if not pairs or not is_followup(question):
        return Rewrite(question, question, False)
    prev_q, prev_a = pairs[-1]
    # An earlier follow-up was itself short: carry the question before it too.
    if len(pairs) > 1 and is_followup(prev_q):
        prev_q = f"{pairs[-2][0].strip().rstrip('?')} {prev_q}"
    answer_names = " ".join(dict.fromkeys(names_in(MARKER_RE.sub("", prev_a), first=True)))
    context = prev_q.strip().rstrip("?")
    # The search query gets only the previous question's content words: its question word ("Siapa"),
    # capitalised mid-query, would otherwise read as a name.
    carried = " ".join(
        w for w in re.findall(r"[\w'’-]+", context) if w.isupper() or w.lower() not in STOPWORDS
    )
    query = " ".join(part for part in (question.strip(), carried, answer_names) if part)
    shown = (
        f"{question.strip()} (follow-up to: {context}?{' Answer: ' + answer_names if answer_names else ''})"
    )
    return Rewrite(query, shown, True)
