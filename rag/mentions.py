"""Questions that ask where the articles mention something, answered by quoting the sentences that do.

"teknologi kuantum tuh disebut di bagian mana aja di artikel2 ini?", "Where does cybersecurity come up
across these articles?": the answer is spread over several articles, a sentence here and there, and
four passages of a few sentences cut to a 200-token budget rarely hold them all (before this, 0 of the
10 such questions of the eval sets were answered right). Such a question is answered without the
model: every sentence of the index is searched for the topic's rarest words, the way a reader would
search the articles, and the best few are quoted, article by article, each with its citation.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache

from rag.glossary import indonesian_terms
from rag.language import FRAMING_WORDS, content_terms, prose_spans
from rag.types import Chunk

# "... disebut dalam konteks apa saja", "... muncul di artikel mana aja", "where does X come up", "in
# what context", "X được nhắc tới trong những bối cảnh nào".
_ASKS_WHERE = {
    "id": re.compile(
        r"\b(?:disebut|muncul|dibahas|disinggung|dikaitkan)\b.{0,40}?\b(?:konteks|(?:bagian|artikel) mana)"
        r"|\bkonteks(?:nya)? (?:apa saja|masing)|\bkonteksnya apa masing",
        re.IGNORECASE,
    ),
    "en": re.compile(
        r"\bwhere (?:else )?(?:do|does|is|are)\b.{1,60}?\b(?:come up|mentioned|appear|discussed)\b"
        r"|\bin what contexts?\b.{0,40}?\b(?:mentioned|come up|appear)",
        re.IGNORECASE,
    ),
    "vi": re.compile(r"\b(?:nhắc (?:tới|đến)|đề cập)\b.{0,30}?\bbối cảnh\b", re.IGNORECASE),
}
_EXCEPT_RE = re.compile(
    r"\b(?:apart from|besides|other than|except|selain|kecuali|ngoài|trừ)\b", re.IGNORECASE
)
# Words of such a question that are about the asking, not the topic.
_ASKING = frozenset(
    content_terms(
        "konteks konteksnya bagian mana muncul dibahas disinggung dikaitkan masing masing-masing saja aja "
        "sih tuh trus terus nah dong ya context contexts come up where else appear appears discussed "
        "mention mentions across "
        "give each bối cảnh nhắc tới đến đề cập bài viết báo những nào"
    )
    | content_terms(" ".join(FRAMING_WORDS))
)
# A topic word in more than this share of the corpus's sentences is too common to search for alone.
MAX_TOPIC_SHARE = 0.05
MAX_MENTIONS = 5


@dataclass(frozen=True, slots=True)
class Mention:
    """A sentence that mentions the topic (from the sentence before it, when it points back to that one)."""

    chunk: Chunk
    span: tuple[int, int]  # offsets of the sentence inside chunk.text
    score: float


def asks_where_mentioned(question: str, lang: str) -> bool:
    """Whether the question asks where (in which articles, in what contexts) the articles mention a topic.

    Not when it leaves a place out ("Apart from the seminar, where else does Laos come up?"): a search for
    the topic's words cannot tell which mentions that excludes.
    """
    pattern = _ASKS_WHERE.get(lang)
    return bool(pattern and pattern.search(question)) and not _EXCEPT_RE.search(question)


def topic_terms(question: str, lang: str) -> set[str]:
    """The content terms that name what the question is about (the glossary's Indonesian words too)."""
    terms = content_terms(question) | content_terms(indonesian_terms(question, lang))
    return {t for t in terms if t not in _ASKING}


Sentence = tuple[Chunk, tuple[int, int], frozenset[str]]  # a prose sentence of a chunk and its terms


@lru_cache(maxsize=2)  # the index's chunks: one entry, two while an added article replaces them
def _sentences(chunks: tuple[Chunk, ...]) -> tuple[tuple[Sentence, ...], Counter[str]]:
    """Every prose sentence of the chunks with its content terms, and in how many sentences each term is."""
    sentences = tuple(
        (chunk, span, frozenset(content_terms(chunk.text[span[0] : span[1]])))
        for chunk in chunks
        for span in prose_spans(chunk.text)
    )
    return sentences, Counter(t for _, _, terms in sentences for t in terms)


def find_mentions(question: str, lang: str, chunks: Sequence[Chunk]) -> list[Mention]:
    """The sentences that mention the question's topic: the best MAX_MENTIONS, article by article.

    A sentence must hold a topic word that is rare in the corpus (in at most MAX_TOPIC_SHARE of its
    sentences: "kuantum", "siber", "rintisan"), or, when no topic word is rare, the question's phrase
    that runs from one of the two rarest to the other ("Pendidikan dan Pelatihan"); it scores by the
    rarity of all the topic words it holds. Empty when the question names nothing rare: "transformasi
    digital" alone is in every article and says nothing; and for an Indonesian question, when one of its
    topic words is in no article, nor any word spelled closely ("perusahan" is a typo of a word they
    use): the question is then about something the articles may not cover, which the rest of the
    pipeline decides. English and Vietnamese topic words are searched through the glossary's Indonesian
    words.
    """
    sentences, freq = _sentences(tuple(chunks))
    if not sentences:
        return []
    asked = topic_terms(question, lang)
    unknown = [t for t in asked if not freq[t]]
    if lang == "id" and unknown:
        vocabulary = list(freq)
        if any(not get_close_matches(t, vocabulary, n=1, cutoff=0.8) for t in unknown):
            return []  # a topic word no article uses ("blockchain"; a typo is close to one): no search
    topic = sorted((t for t in asked if freq[t]), key=lambda t: (freq[t], t))
    limit = MAX_TOPIC_SHARE * len(sentences)
    rare = [{t} for t in topic if freq[t] <= limit]
    phrase = None if rare or len(topic) < 2 else _phrase(question, topic[:2])
    if not rare and phrase is None:
        return []
    found: dict[str, Mention] = {}  # by sentence text: neighbouring chunks overlap
    for chunk, span, terms in sentences:
        sentence = chunk.text[span[0] : span[1]]
        if not (any(need <= terms for need in rare) or (phrase and phrase.search(sentence))):
            continue
        score = sum(math.log(len(sentences) / freq[t]) for t in terms.intersection(topic))
        if sentence not in found or score > found[sentence].score:
            found[sentence] = Mention(chunk, _with_antecedent(chunk.text, span), score)
    if len(found) > limit:  # too many to quote: the topic is a common one
        return []
    best = sorted(found.values(), key=lambda m: -m.score)[:MAX_MENTIONS]
    # read article by article (the best article first), each in the article's order
    first = {m.chunk.doc_id: -m.score for m in reversed(best)}
    return sorted(best, key=lambda m: (first[m.chunk.doc_id], m.chunk.doc_id, m.chunk.start + m.span[0]))


def _phrase(question: str, terms: list[str]) -> re.Pattern[str] | None:
    """The question's words from the first to the last of `terms`, as a phrase to find ("Pendidikan dan
    Pelatihan"), or None when they are not within four words of each other."""
    tokens = re.findall(r"[\w-]+", question)
    at = [i for i, token in enumerate(tokens) if content_terms(token) & set(terms)]
    if len(at) < 2 or at[-1] - at[0] > 4:
        return None
    return re.compile(r"\b" + r"\W+".join(map(re.escape, tokens[at[0] : at[-1] + 1])) + r"\b", re.IGNORECASE)


# "Proyek-proyek tersebut berfokus pada ... teknologi kuantum": which projects is said just before.
_POINTS_BACK_RE = re.compile(
    r"^\W*(?:[\w-]+\s+){1,2}tersebut\b|^(?:Hal|Langkah|Upaya) (?:ini|itu)\b", re.IGNORECASE
)


def _with_antecedent(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """The span, from the start of the sentence before it when its first words point back to that one."""
    if not _POINTS_BACK_RE.match(text[span[0] : span[1]]):
        return span
    before = [a for a, b in prose_spans(text) if b <= span[0]]
    return (before[-1], span[1]) if before else span


ANSWER_LEADS = {
    "id": "Artikel-artikel ini menyebutnya di {n} tempat:",
    "en": "The articles mention it in {n} {places} (quoted in Indonesian):",
    "vi": "Các bài báo nhắc đến điều này ở {n} chỗ (trích nguyên văn tiếng Indonesia):",
}


def mentions_answer(mentions: list[Mention], lang: str) -> str:
    """The answer text: a lead in the question's language, then each quoted sentence with its [n]."""
    n = len(mentions)
    lead = ANSWER_LEADS.get(lang, ANSWER_LEADS["id"]).format(n=n, places="place" if n == 1 else "places")
    quotes = [m.chunk.text[m.span[0] : m.span[1]].rstrip(" .;:,") for m in mentions]
    lines = [f"- {quote} [{n}]." for n, quote in enumerate(quotes, 1)]
    return "\n".join([lead, *lines])
