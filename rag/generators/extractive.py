"""No language model: answer with the one or two passage sentences that best match the question."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from rag.citations import names_in
from rag.generators.base import Messages
from rag.language import (
    DEFAULT_LANG,
    LANGUAGE_NAMES,
    abstention_text,
    content_terms,
    fold,
    number_values,
    split_sentences,
)
from rag.prompting import parse_sources

# A second sentence is added only when it scores at least this share of the best one: enough for
# two-part questions ("when and where"), not a filler sentence.
SECOND_SENTENCE_SHARE = 0.6
_LANGUAGE_RE = re.compile(r"^Language: (\w+)$", re.MULTILINE)


class ExtractiveGenerator:
    """Instant answers quoted from the passages; also the fallback when no model is available."""

    name = "extractive"
    # Its answers are the Indonesian passage sentences themselves, whatever the question's language:
    # the check that an answer is written in the question's language does not apply.
    quotes_sources = True

    def stream(
        self, messages: Messages, *, max_tokens: int = 100, stop: list[str] | None = None
    ) -> Iterator[str]:
        """Yield the chosen sentences, each followed by its [n] marker, or the abstention sentence."""
        sources, question = parse_sources(messages)
        picked = pick_sentences(question, sources)
        if not picked:
            yield _abstention(messages)
            return
        for i, (n, sentence) in enumerate(picked):
            body = sentence.rstrip(" .!?")
            yield f"{' ' if i else ''}{body} [{n}]."


def _abstention(messages: Messages) -> str:
    """The abstention sentence in the language the prompt asks for."""
    found = _LANGUAGE_RE.search(messages[-1]["content"]) if messages else None
    codes = {name: code for code, name in LANGUAGE_NAMES.items()}
    return abstention_text(codes.get(found.group(1), DEFAULT_LANG) if found else DEFAULT_LANG)


def _anchors(text: str) -> set[str]:
    """Language-independent tokens: numbers and names, folded."""
    numbers = {str(v) for v in number_values(text)}
    return numbers | {fold(n) for n in names_in(text)}


def rank_sentences(question: str, sources: list[tuple[int, str]]) -> list[tuple[float, int, int, str]]:
    """Every sentence of the sources as (score, position, n, sentence), best first, ties in source order.

    The score adds the rarity of each question word the sentence shares and one per shared name or number;
    position is the sentence's place among all the sources' sentences.
    """
    candidates = [(n, text[a:b]) for n, text in sources for a, b in split_sentences(text)]
    q_terms, q_anchors = content_terms(question), _anchors(question)
    freq = Counter(t for _, s in candidates for t in content_terms(s))
    scored = []
    for position, (n, sentence) in enumerate(candidates):
        shared = q_terms & content_terms(sentence)
        score = sum(math.log(1 + len(candidates) / freq[t]) for t in sorted(shared))  # same order, same sum
        score += len(q_anchors & _anchors(sentence))
        scored.append((score, position, n, sentence))
    return sorted(scored, key=lambda s: (-s[0], s[1]))


def pick_sentences(question: str, sources: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The best sentence for the question and, when it scores close, a second one (in source order)."""
    ranked = rank_sentences(question, sources)
    if not ranked:
        return []
    best = ranked[0]
    if best[0] <= 0:
        # No shared word at all: in a cross-language question that is expected, so keep the passage
        # retrieval ranked first; the answering checks decide whether to abstain.
        first = min(ranked, key=lambda s: s[1])
        return [(first[2], first[3])]
    picked = [best] + [s for s in ranked[1:2] if s[0] >= SECOND_SENTENCE_SHARE * best[0]]
    return [(n, sentence) for _, _, n, sentence in sorted(picked, key=lambda s: s[1])]
