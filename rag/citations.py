"""[n] markers of an answer: parsing, checking each cited sentence against its passage, resolving quotes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache

from rag.language import (
    FRAMING_WORDS,
    content_terms,
    fold,
    number_mentions,
    number_values,
    same_meaning,
    split_sentences,
    words,
)
from rag.prompting import Passage
from rag.types import Citation

# One bracket holding one or more numbers: "[1]", "[1, 2]", "[1][3]" (two brackets).
MARKER_RE = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_NAME_RE = re.compile(r"\b[^\W\d_][\w'’]*", re.UNICODE)

# Capitalised words an answer in English or Vietnamese uses for things the Indonesian passages name in
# Indonesian (titles, institutions, months): not evidence of an invented name when absent from a passage.
# Also Indonesian titles and generic nouns that open sentences ("Pemerintah akan ...", "Menteri ..."):
# they name no one, so they do not answer "siapa" or "dana apa".
_COMMON_CAPITALISED_TEXT = (
    "UN EU US USA UK ICT IT GDP PDB ASEAN AI R&D Mr Mrs Ms Dr Prof Sir Madam Bapak Ibu Pak Ông Bà "
    "Minister Ministry Ministers Deputy Vice Director General Ambassador President Prime Secretary "
    "Chairman Chair Head Permanent Representative Standing Science Sciences Technology Technologies "
    "Information Communication Communications Education Training Health Justice Legal Law Laws "
    "Department National Assembly Government Party Politburo Resolution Decree Decrees Strategy "
    "Strategic Center Centre Centers Fund Forum Week Digital Transformation Innovation Artificial "
    "Intelligence Council Dialogue Global Regional International United Nations Union European "
    "Southeast East Asia Asian Pacific South North Korean Vietnamese Lao Laotian Australian "
    "People Peoples Committee Province Provincial University Institute City Research Development "
    "Agency Industry Promotion Convention Prevention Cybercrime Scientific Independent Capacity "
    "Network Framework Competency Impact Summit Conference Ministerial Meeting Policy Pillar Pillars "
    "Project Projects Programme Program Telecom Posts Telecommunications Academy Electronic "
    "Transactions Computer Master Masters Children Child Rights Digitalisation Supercomputer Compact "
    "Good Vertical Inclusive Made Office Secretariat Republic Democratic January February March April "
    "May June July August September October November December Monday Tuesday Wednesday Thursday "
    "Friday Saturday Sunday According However Also Both They These This That There Its Their In On At "
    "By For With From As Of And The A An To Under Over After Before Since During Yes No Bộ Khoa Học "
    "Công Nghệ Thứ Trưởng Việt Nam Liên Hợp Quốc Đại Sứ Hàn Quỹ Đổi Mới Tâm Luật Nghị Quyết "
    "Chính Phủ Thông Tin Truyền Lào Úc Tỉnh Ủy Ban Nhân Dân Hội Đồng Chiến Lược Quốc Gia Tháng Năm "
    "Theo Các Những Ngày Tại Trí Tuệ Tạo Số Chuyển Đổi Giáo Dục Đào Tạo Y Tế Kinh Tế Đông Nam Á Châu "
    "Âu Wamen Wamenlu Menlu Dubes Sekjen Dirjen Kadis Kemen Pemprov Pemkot Pemkab Pemerintah Kementerian "
    "Menteri Wakil Presiden Perdana Kepala Ketua Duta Besar Direktur Jenderal Sekretaris Pusat Negara "
    "Provinsi Kota Dewan Komite Badan Lembaga Dana Program Proyek Resolusi Keputusan"
)
COMMON_CAPITALISED = frozenset(fold(w) for w in _COMMON_CAPITALISED_TEXT.split())
# Vietnamese common nouns capitalised inside names ("Trung tâm" = centre); their first syllable alone
# may be a name ("Trung Quốc" = China), so they are exempt only as a phrase.
_COMMON_PHRASES_RE = re.compile(r"\b(?:Trung tâm|Trung ương)\b")


@dataclass(frozen=True, slots=True)
class Claim:
    """One sentence of a generated answer with the passage numbers it cites."""

    text: str  # the sentence without its markers
    cited: tuple[int, ...]
    unknown: tuple[int, ...] = ()  # cited numbers that refer to no passage (removed)


@dataclass(frozen=True, slots=True)
class Support:
    """How well one passage supports one claim."""

    n: int
    ok: bool
    score: float  # share of the claim's terms found in the best sentence of the passage
    span: tuple[int, int]  # offsets of that sentence inside the chunk text
    missing: tuple[str, ...] = ()  # numbers and names of the claim absent from the passage


def parse_answer(text: str, valid: set[int]) -> list[Claim]:
    """Split an answer into sentences with their [n] numbers (markers opening a sentence end the last one)."""
    claims: list[Claim] = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        lead = re.match(r"(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+", sentence)
        if lead and claims:
            prev = claims.pop()
            more = _numbers(lead.group())
            claims.append(_claim(prev.text, prev.cited + prev.unknown + more, valid))
            sentence = sentence[lead.end() :]
        clean = MARKER_RE.sub("", sentence).strip()
        clean = re.sub(r"\s+([.!?,;:])", r"\1", clean)
        if re.search(r"\w", clean):
            claims.append(_claim(clean, _numbers(sentence), valid))
    return claims


# A reply that stops inside a word or clause (no closing stop nor marker) was cut by the token limit.
_CLOSED_RE = re.compile(r"[.!?\]\"”’')]\s*$")
CUT_TAIL_WORDS = 6


def complete_cut_reply(reply: str, passages: list[Passage]) -> tuple[str, int | None]:
    """A reply cut off inside a sentence it was copying, finished with the rest of that sentence.

    Long list sentences ("... yaitu: Undang-Undang tentang ...; Undang-") outgrow the reply's token
    budget while the model copies them. When the reply's last CUT_TAIL_WORDS words are found in a
    passage's chunk, the rest of that chunk's sentence and the passage's marker are added; the result
    goes through the same checks as any reply. Returns the reply and the passage number used (None when
    the reply was not cut or its end is not a copy).
    """
    text = reply.rstrip()
    tail = text.split()[-CUT_TAIL_WORDS:]
    if not text or _CLOSED_RE.search(text) or len(tail) < CUT_TAIL_WORDS:
        return reply, None
    pattern = re.compile(r"\s+".join(re.escape(word) for word in tail))
    for passage in passages:
        chunk = passage.hit.chunk.text
        match = pattern.search(chunk)
        if match is None:
            continue
        end = next((b for a, b in split_sentences(chunk) if a <= match.start() < b), len(chunk))
        rest = chunk[match.end() : max(end, match.end())].rstrip(" .")
        return f"{text}{rest} [{passage.n}].", passage.n
    return reply, None


def _numbers(markers: str) -> tuple[int, ...]:
    found = [int(n) for group in MARKER_RE.findall(markers) for n in re.split(r"\s*[,;]\s*", group)]
    return tuple(dict.fromkeys(found))


def _claim(text: str, numbers: tuple[int, ...], valid: set[int]) -> Claim:
    cited = tuple(n for n in dict.fromkeys(numbers) if n in valid)
    return Claim(text, cited, tuple(n for n in dict.fromkeys(numbers) if n not in valid))


def names_in(sentence: str, *, first: bool = False) -> list[str]:
    """Capitalised words that may be names (not common words; a sentence's first word only when `first`).

    A text of several sentences ("... orientasi Vietnam. Apa saja?") has several first words.
    """
    found = []
    sentence = _COMMON_PHRASES_RE.sub(lambda m: m.group().lower(), sentence)
    for i, match in enumerate(_NAME_RE.finditer(sentence)):
        word = match.group()
        opens = i == 0 or bool(re.search(r"[.!?]\s+[\"“'‘(]?$", sentence[: match.start()]))
        if opens and not first and not word.isupper():
            continue  # every sentence starts with a capital
        word = re.sub(r"['’]s?$", "", word)  # possessive: "Laos's"
        if word[0].isupper() and len(word) > 1 and fold(word) not in COMMON_CAPITALISED:
            found.append(word)
    return found


def name_found(name: str, passage_words: set[str]) -> bool:
    """A name is found when the passage has it, or a close spelling ('Jenewa'/'Geneva' is not close)."""
    key = fold(name).strip("'’-")
    if key in passage_words:
        return True
    # Only long words get a close match: "trung" (in "Trung Quốc", China) must not pass for "trong".
    return len(key) >= 6 and any(
        len(w) >= 6 and SequenceMatcher(None, key, w).ratio() >= 0.85 for w in passage_words
    )


# A length of time: a number and a unit ("4 hari", "15 years", "3 tháng"), not a date's day ("4 tháng
# 8", "ngày 4 tháng 8 năm 2025"): "kéo dài 4 ngày" must not be read off "4 Agustus 2025".
TIME_UNITS = {
    "day": "hari|days?|ngày",
    "week": "minggu|pekan|weeks?|tuần",
    "month": "bulan|months?|tháng",
    "year": "tahun|years?|năm",
}
_TIME_UNIT = f"(?:{'|'.join(TIME_UNITS.values())})"
_SPAN_RE = re.compile(rf"(?<!ngày )\b(\d+(?:[.,]\d+)?|[^\W\d_]+)\s+{_TIME_UNIT}\b(?!\s*\d)", re.IGNORECASE)


def spans_in(text: str) -> list[str]:
    """The lengths of time a text states with digits ("4 ngày", "15 tahun")."""
    return [m.group() for m in _SPAN_RE.finditer(text) if m.group(1)[0].isdigit()]


def _states_span(span: str, text: str) -> bool:
    """True when `text` states the same length of time, in digits or words ("empat hari" for "4 days")."""
    wanted = number_values(span.split()[0])
    return any(number_values(m.group(1)) & wanted for m in _SPAN_RE.finditer(text))


# A quantity with a unit of measure, written the same in every language: "10 petaflops" is not supported by
# the "10" of "10 Juni".
_MEASURE_RE = re.compile(
    r"\b(\d+(?:[.,]\d+)?)\s*((?:peta|tera|exa|giga)?flops?|[kmgtp]b|[kmg]wh?|km|kg|qubits?)\b", re.IGNORECASE
)


def _measures(text: str) -> set[tuple[frozenset[float], str]]:
    """The quantities with a unit of measure in a text: (their values, the unit in the singular)."""
    return {
        (frozenset(number_values(m.group(1))), m.group(2).lower().rstrip("s"))
        for m in _MEASURE_RE.finditer(text)
    }


def missing_facts(claim: str, passage: str, *, given: str = "", names: bool = True) -> tuple[str, ...]:
    """Numbers and names stated in the claim that neither the passage nor `given` (the question) contains.

    With `names` false, numbers only.

    An answer restates the question's own names and numbers: those are the gate's business (a question
    about a name found in no passage is refused before generating), not evidence of invention.
    """
    known = f"{passage}\n{given}"
    values = number_values(known)
    missing = [written for written, vals in number_mentions(claim, strict_scale=True) if not vals & values]
    missing += [span for span in spans_in(claim) if span not in missing and not _states_span(span, known)]
    stated = _measures(known)
    missing += [
        m.group()
        for m in _MEASURE_RE.finditer(claim)
        if not any(
            unit == m.group(2).lower().rstrip("s") and amounts & number_values(m.group(1))
            for amounts, unit in stated
        )
    ]
    if names:
        known_words = {fold(w) for w in words(known)}
        missing += [name for name in names_in(claim) if not name_found(name, known_words)]
    return tuple(missing)


def unplaced_names(claim: str, sentence: str, window: str, question: str, source: str) -> tuple[str, ...]:
    """The question's names that a claim puts in place of another name of its source sentence.

    "Ketua Komite Rakyat Provinsi Binh Dinh adalah Nguyen Van Son" restates the question's place and
    adds a name, quoted from a sentence about Tuyen Quang's chairman. A claim that adds a name or number
    must find each name it repeats from the question (one word of it is enough: "Menteri Hung" for
    "Nguyen Manh Hung") in `window`, the sentences around that fact, unless `sentence` itself names no one
    else: "Nokia menyediakan peralatan teknis" speaks of the centre named two sentences before. A name
    that `source` (the article) does not have is the user's own spelling ("UU") and is left alone.
    """
    asked = {fold(w) for w in words(question)}
    found = names_in(claim, first=True)
    own = [n for n in found if fold(n) not in asked] + [
        written for written, _ in number_mentions(claim) if fold(written) not in asked
    ]
    claimed = {fold(n) for n in found}
    others = [n for n in names_in(sentence) if fold(n) not in claimed and fold(n) not in asked]
    if not own or not others:
        return ()
    window_words = {fold(w) for w in words(window)}
    source_words = {fold(w) for w in words(source)}
    missing: list[str] = []
    for run in name_runs(claim, found):
        repeated = [n for n in run if fold(n) in asked and name_found(n, source_words)]
        if repeated and not any(name_found(n, window_words) for n in repeated):
            missing.append(" ".join(repeated))
    return tuple(missing)


def name_runs(text: str, names: list[str]) -> list[list[str]]:
    """`names` (as found in `text`, in order) grouped into runs written next to each other."""
    runs: list[list[str]] = []
    at, last_end = 0, -2
    for name in names:
        start = text.find(name, at)
        if start < 0:
            continue
        gap = text[last_end:start] if last_end >= 0 else "x"
        if runs and gap.strip() == "":
            runs[-1].append(name)
        else:
            runs.append([name])
        at = last_end = start + len(name)
    return runs


def support(
    claim: str,
    passage: Passage,
    *,
    min_score: float,
    question: str = "",
    article: str = "",
    new_words: bool = False,
    cognates: bool = False,
) -> Support:
    """Check a claim against one passage: its facts must all be in one place, and its terms overlap it.

    "One place" is a shown sentence (or clause) with the sentences on either side of it: a passage is
    several sentences picked from a chunk, and a date taken from one of them and a name from another
    make a claim the article never states ("the AI law was passed in October 2025"). The question's own
    numbers, repeated by the claim, must be in that place too; its names only somewhere in the
    passage's article (`article`, or else its chunk): "Ambassador Bird's view of the EU AI law" cannot
    be quoted from an article in which Bird does not appear.

    With `new_words` (a claim in the passages' language), the claim's words that are not the question's,
    what it adds, must include at least one word of that place: "Kaan Cetinturk adalah kepala UNICEF"
    has the question's name and the passage's "UNICEF", but "kepala" (head) comes from nowhere.

    With `cognates` (an English claim), a claim word also overlaps a passage word spelled alike the
    Indonesian way ("standardization" / "standar"): without a name or number, a translated claim would
    otherwise share nothing with its source.
    """
    chunk_text = passage.hit.chunk.text
    terms = content_terms(claim)
    sentences = split_sentences(chunk_text)
    # abbreviations the question uses ("UU" for Undang-Undang) are the user's, not the article's
    abbreviations = " ".join(w for w in question.split() if w.isupper())
    outside_article = missing_facts(claim, article or chunk_text, given=abbreviations)
    added = terms - content_terms(question) if new_words else set()
    best: tuple[int, float, tuple[int, int], tuple[str, ...]] | None = None
    for span in passage.spans:
        sentence_terms = content_terms(chunk_text[span[0] : span[1]])
        shared = terms & sentence_terms
        if cognates:
            spelled = {_cognate(w) for w in sentence_terms}
            shared |= {t for t in terms - shared if _cognate(t) in spelled}
        score = len(shared) / len(terms) if terms else 0.0
        window = chunk_text[slice(*_neighbourhood(sentences, span))]
        # the question's names may be restated from elsewhere in the article, its numbers may not: "the
        # target for 2030 is ..." from a sentence about another year misdates what it quotes
        missing = missing_facts(claim, window, given=question) or missing_facts(claim, window, names=False)
        missing = missing or outside_article
        sentence = chunk_text[slice(*_neighbourhood(sentences, span, before=0, after=0))]
        missing = missing or unplaced_names(claim, sentence, window, question, article or chunk_text)
        if added and not added & content_terms(window):
            missing = missing or tuple(w for w in words(claim) if content_terms(w) & added)
        if best is None or (len(missing), -score) < (best[0], -best[1]):
            best = (len(missing), score, span, missing)
    assert best is not None  # a passage has at least one span
    _, score, span, missing = best
    return Support(passage.n, not missing and score >= min_score, score, span, missing)


_COGNATE_RULES = (("ph", "f"), ("qu", "k"), ("c", "k"), ("x", "ks"), ("y", "i"), ("th", "t"))


def _cognate(term: str) -> str:
    """An English stem spelled the Indonesian way and cut to 5 letters ("intellectu" -> "intel").

    "intellectu" and "intelektu" both give "intel", "economi" and "ekonom" both "ekono"; shorter stems
    stay whole.
    """
    spelled = fold(term)
    for a, b in _COGNATE_RULES:
        spelled = spelled.replace(a, b)
    spelled = re.sub(r"(.)\1", r"\1", spelled)
    return spelled[:5] if len(spelled) >= 5 else spelled


def to_citation(passage: Passage, span: tuple[int, int]) -> Citation:
    """The Citation of a passage, quoting the sentence at `span` with offsets into the document."""
    chunk = passage.hit.chunk
    return Citation(
        n=passage.n,
        doc_id=chunk.doc_id,
        chunk_id=chunk.chunk_id,
        source_url=chunk.source_url,
        quote=chunk.text[span[0] : span[1]],
        start=chunk.start + span[0],
        end=chunk.start + span[1],
        title=chunk.title,
    )


# Least share of a claim's content words found in its best passage sentence. An Indonesian answer
# reuses the passage's words; an English or Vietnamese one shares only names, numbers and loanwords
# ("AI", "digital"), so there the facts check carries the weight.
MIN_OVERLAP = {"id": 0.3, "en": 0.1, "vi": 0.0}


@dataclass(frozen=True, slots=True)
class Checked:
    """A claim that passed the checks, with the passages (and sentences) that support it."""

    claim: Claim
    supports: tuple[Support, ...]


def check_claims(
    claims: list[Claim],
    passages: list[Passage],
    lang: str,
    question: str = "",
    articles: Mapping[str, str] | None = None,
) -> tuple[list[Checked], list[str]]:
    """Keep claims supported by a cited passage, re-cite those another passage supports, drop the rest.

    `articles` maps a doc_id to the article's text (see `support`).
    """
    min_score = MIN_OVERLAP.get(lang, MIN_OVERLAP["en"])
    by_n = {p.n: p for p in passages}
    articles = articles or {}

    def support_of(claim: Claim, p: Passage) -> Support:
        article = articles.get(p.hit.chunk.doc_id, "")
        return support(
            claim.text, p, min_score=min_score, question=question, article=article, new_words=lang == "id",
            cognates=lang == "en",
        )  # fmt: skip

    kept: list[Checked] = []
    lines: list[str] = []
    for claim in claims:
        short = claim.text if len(claim.text) <= 70 else claim.text[:67] + "..."
        if claim.unknown:
            lines.append(f"removed {_marks(claim.unknown)}: no such passage ({short!r})")
        cited = [support_of(claim, by_n[n]) for n in claim.cited]
        ok = [s for s in cited if s.ok]
        if ok:
            kept.append(Checked(claim, tuple(ok)))
            lines.append(f"pass {_marks(tuple(s.n for s in ok))}: {short!r} (overlap {ok[0].score:.2f})")
            continue
        others = [support_of(claim, p) for p in passages if p.n not in claim.cited]
        best = max((s for s in others if s.ok), key=lambda s: s.score, default=None)
        if best is not None:
            kept.append(Checked(Claim(claim.text, (best.n,)), (best,)))
            lines.append(f"re-cited {_marks(claim.cited) or 'uncited'} -> [{best.n}]: {short!r}")
            continue
        why = "; ".join(
            f"[{s.n}] lacks {', '.join(s.missing)}" if s.missing else f"[{s.n}] overlap {s.score:.2f}"
            for s in cited
        )
        lines.append(
            f"fail {_marks(claim.cited) or 'uncited'}: {short!r} dropped ({why or 'no passage supports it'})"
        )
    return kept, lines


def _marks(numbers: tuple[int, ...]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def render_answer(kept: list[Checked]) -> str:
    """The kept sentences, each with its [n] markers before the final punctuation."""
    out = []
    for checked in kept:
        text = checked.claim.text.rstrip()
        end = text[-1] if text[-1] in ".!?" else "."
        body = text.rstrip(".!? ")
        out.append(f"{body} {_marks(tuple(s.n for s in checked.supports))}{end}")
    return " ".join(out)


def question_coverage(
    question: str, kept: list[Checked], passages: list[Passage], articles: Mapping[str, str] | None = None
) -> float:
    """Share of the question's content words found in the sentences quoted as support (and the one before).

    A correct answer is quoted from a sentence about what was asked; an invented one borrows a fact from
    a sentence about something else, which shares few of the question's words.
    """
    return window_coverage(question, support_windows(kept, passages, articles))


@cache
def _framing_terms() -> frozenset[str]:
    """The stems of FRAMING_WORDS, made on first use (stemming needs PyStemmer loaded)."""
    return frozenset(content_terms(" ".join(FRAMING_WORDS)))


def window_coverage(question: str, windows: list[str]) -> float:
    """Share of the question's content words (or words of the same meaning) found in `windows`."""
    asked = content_terms(question) - _framing_terms()
    if not asked:
        return 1.0
    found = set().union(*(content_terms(w) for w in windows))
    return sum(1 for term in asked if same_meaning(term) & found) / len(asked)


def support_windows(
    kept: list[Checked], passages: list[Passage], articles: Mapping[str, str] | None = None
) -> list[str]:
    """For each support of the kept claims, its whole sentence with the sentence before.

    With `articles` (doc_id -> text), the sentence before is the article's: a chunk that starts with the
    supporting sentence does not hide it.
    """
    by_n = {p.n: p for p in passages}
    windows = []
    for s in (s for k in kept for s in k.supports):
        chunk = by_n[s.n].hit.chunk
        article = (articles or {}).get(chunk.doc_id, "")
        if article[chunk.start : chunk.end] == chunk.text:
            span = (chunk.start + s.span[0], chunk.start + s.span[1])
            windows.append(sentence_with_previous(article, span))
        else:
            windows.append(sentence_with_previous(chunk.text, s.span))
    return windows


def sentence_with_previous(text: str, span: tuple[int, int]) -> str:
    """The whole sentence of `text` holding `span` (which may be one clause of it) and the sentence before."""
    return text[slice(*_neighbourhood(split_sentences(text), span, after=0))]


def _neighbourhood(
    sentences: list[tuple[int, int]], span: tuple[int, int], before: int = 1, after: int = 1
) -> tuple[int, int]:
    """From `before` sentences ahead of the one holding `span` to `after` past it (`sentences`: spans)."""
    at = next((k for k, (a, b) in enumerate(sentences) if a <= span[0] < b), None)
    if at is None:
        return span
    last = sentences[min(len(sentences) - 1, at + after)][1]
    return sentences[max(0, at - before)][0], max(span[1], last)
