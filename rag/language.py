"""Language of a question (Indonesian, English, Vietnamese) and the word-level helpers built on it."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Protocol


def _wordset(text: str) -> frozenset[str]:
    """The white-space separated words of a text."""
    return frozenset(text.split())


LANGS = ("id", "en", "vi")
DEFAULT_LANG = "id"  # most users ask in Indonesian, the language of the articles

# Letters that occur in Vietnamese but not in Indonesian or English (base letters with hooks and
# breves, plus every vowel carrying a tone mark). Indonesian and English never use them.
_VI_CHARS = set(
    "ăâđêôơưĂÂĐÊÔƠƯ"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ"
)

# Short, frequent function words of each language; a question rarely uses those of the other.
_ID_WORDS = _wordset(
    "yang dan di ke dari ini itu apa siapa berapa kapan dimana mana mengapa kenapa bagaimana untuk "
    "dengan pada adalah tidak akan oleh dalam atau juga sudah ada apakah dia ia mereka nya tersebut "
    "saja lagi sebagai bahwa telah bisa dapat berapakah siapakah bagi tentang kah tahun menurut"
)
_EN_WORDS = _wordset(
    "the a an of and to in is are was were what who whom whose when where why how which does did do "
    "for with on by will has have had about from that this these those it its they he she his her and "
    "or not be been can could would should their there than year according"
)
# Vietnamese written without diacritics still has these very frequent syllables (none an Indonesian or
# English word: not "do", "may", "can", "so", "an", "ai", "lao").
_VI_PLAIN_WORDS = _wordset(
    "cua khong nhung duoc cac nhu the nao gi voi trong va la mot nam viet bo truong khoa hoc cong nghe "
    "hop tac ngay bao nhieu moi nhat thua huong chuc nang truoc vay thi cho ve da se nay khi tai theo "
    "nguoi hay hoac boi viec vao len nhau cung chi deu trung tam khai phat trien chuyen doi quoc gia "
    "chinh phu dao tao nhan luc ky ket thuc hien"
)

_VI_STOPWORDS = _wordset(
    "của không những được các như thế nào gì với trong và là một có cho về đã sẽ này đó ai bao nhiêu "
    "khi ở tại theo từ đến người những hay hoặc thì mà để bởi việc năm vào ra lên nhau rất cũng đang vẫn "
    "sự cần còn chỉ đều"
)
STOPWORDS = (
    _ID_WORDS
    | _EN_WORDS
    | _VI_STOPWORDS
    | _wordset(
        "bapak ibu para serta secara lebih sangat hal ini itu beliau kami kita anda saat telah sedang "
        "menjadi merupakan mengatakan menyampaikan menegaskan said also into more most such any all "
        # chat fillers of Indonesian questions: "nanti ... mau ... harus diapakan?"
        "nanti mau ingin harus bakal bakalan kok sih dong deh nih tuh lho kan begitu memang diapakan "
        "seperti karena buat jadi selain "
        # what the user asks the tool to do: "sebutkan ...", "jelasin ..."
        "sebutkan jelaskan uraikan "
        # yes / no: "Yes, <the question restated>" states nothing the question did not
        "yes ya iya benar betul vâng đúng"
    )
)

# Words about the articles or the asking, not the topic: "di artikel-artikel ini ... disebut ... apa saja,
# tolong sebutkan angkanya masing-masing". The share of a question's words found in the quoted
# sentences (citations.window_coverage) leaves them out: a gathering question is full of them.
FRAMING_WORDS = _wordset(
    "artikel berita tulisan disebut disebutkan menyebut menyebutkan dikaitkan konteks konteksnya "
    "tolong mohon angka angkanya daftar "
    "article articles mention mentioned mentions named listed context please "
    "đề cập nhắc"
)
_WORD_RE = re.compile(r"\w+", re.UNICODE)
# A sentence ends at . ! ? (and closing quotes) followed by white space, or at a line break.
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+|\n+")
# Abbreviations after which a period does not end a sentence.
_ABBREVIATIONS = _wordset("no nr dr prof ir mr mrs ms st vs dll dsb tn ny jl etc e.g i.e u.s")

ABSTENTIONS = {
    "id": "Artikel-artikel ini tidak menyebutkan hal tersebut.",
    "en": "The articles do not mention this.",
    "vi": "Các bài báo không đề cập đến điều này.",
}
LANGUAGE_NAMES = {"id": "Indonesian", "en": "English", "vi": "Vietnamese"}


def words(text: str) -> list[str]:
    """The word tokens of a text, lower-cased."""
    return [w.lower() for w in _WORD_RE.findall(text)]


def fold(text: str) -> str:
    """Lower-case and strip diacritics, so 'Nguyễn' and 'Nguyen' compare equal."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


# Chat spellings of Indonesian words ("desa2 yg ... brp?"), read as the words they stand for: the
# checks look for "berapa", the BM25 analyzer and the prompt see the articles' spelling. Only spellings
# that are no word of English; none is applied to a Vietnamese question ("ga", "tp" are words there).
_INFORMAL_ID = {
    "yg": "yang", "dgn": "dengan", "dg": "dengan", "utk": "untuk", "untk": "untuk", "krn": "karena",
    "karna": "karena", "tdk": "tidak", "gak": "tidak", "nggak": "tidak", "ngga": "tidak", "sdh": "sudah",
    "udh": "sudah", "udah": "sudah", "blm": "belum", "bgmn": "bagaimana", "gmn": "bagaimana",
    "gimana": "bagaimana", "knp": "kenapa", "brp": "berapa", "brapa": "berapa", "pd": "pada",
    "spt": "seperti", "dlm": "dalam", "thn": "tahun", "tgl": "tanggal", "bln": "bulan", "org": "orang",
    "tsb": "tersebut", "ttg": "tentang", "sbg": "sebagai", "bbrp": "beberapa", "kpd": "kepada",
    "skrg": "sekarang", "skrng": "sekarang", "msh": "masih", "hrs": "harus", "sblm": "sebelum",
    "stlh": "setelah", "aja": "saja", "dll": "dan lain-lain", "jg": "juga", "lg": "lagi",
    "kayak": "seperti", "kyk": "seperti", "bikin": "membuat", "bareng": "bersama", "kalo": "kalau",
    "gitu": "begitu", "dapet": "dapat", "pengen": "ingin", "ngasih": "memberi", "nyumbang": "menyumbang",
    "bareng2": "bersama-sama", "korsel": "Korea Selatan", "dept": "Departemen", "vn": "Vietnam",
    # the "-in" of chat verbs is the "-kan" of written ones
    "sebutin": "sebutkan", "jelasin": "jelaskan", "ceritain": "ceritakan", "tunjukin": "tunjukkan",
    "bawain": "bawakan", "dibawain": "dibawakan", "omongin": "bicarakan", "diomongin": "dibicarakan",
    "ngomongin": "membicarakan", "bantuin": "bantu", "dibikin": "dibuat", "kasih tau": "beri tahu",
    "butuhin": "butuhkan", "dibutuhin": "dibutuhkan", "pasangin": "pasangkan", "dipasangin": "dipasangkan",
    "umumin": "umumkan", "diumumin": "diumumkan", "ngumumin": "mengumumkan", "disebutin": "disebutkan",
    "nyebutin": "menyebutkan", "nyebut": "menyebut", "ngadain": "mengadakan", "diadain": "diadakan",
    "ngembangin": "mengembangkan", "dikembangin": "dikembangkan", "nerapin": "menerapkan",
    "diterapin": "diterapkan", "ningkatin": "meningkatkan", "ditingkatin": "ditingkatkan",
    "dijelasin": "dijelaskan", "ngebahas": "membahas", "nunjukin": "menunjukkan", "ngedukung": "mendukung",
    "dukungin": "dukung", "ngajak": "mengajak", "nanya": "bertanya", "nyiapin": "menyiapkan",
    "disiapin": "disiapkan", "ngirim": "mengirim", "dikirimin": "dikirimkan", "ngerjain": "mengerjakan",
    "dikerjain": "dikerjakan", "ngelatih": "melatih", "ngebangun": "membangun", "dikaitin": "dikaitkan",
    "kaitin": "kaitkan", "ketemu": "bertemu", "ketemuan": "bertemu", "wamen": "Wakil Menteri",
}  # fmt: skip
# not inside a web or e-mail address: "mst.gov.vn" stays as written
_INFORMAL_RE = re.compile(r"(?<![./@])\b(" + "|".join(_INFORMAL_ID) + r")\b(?![./@]\w)", re.IGNORECASE)
# "desa2" is "desa-desa": a lower-case word written twice is written once with a 2 ("G20" is not)
_REDUPLICATED_RE = re.compile(r"\b([a-z]{3,})2\b")


def expand_informal(text: str) -> str:
    """An Indonesian question with chat spellings written out ("desa2 yg" -> "desa-desa yang")."""
    if detect_language(text) == "vi":
        return text
    text = _INFORMAL_RE.sub(lambda m: _INFORMAL_ID[m.group(1).lower()], text)
    text = _REDUPLICATED_RE.sub(r"\1-\1", text)
    return re.sub(r"\s&\s", " dan " if detect_language(text) == "id" else " and ", text)


def detect_language(text: str, default: str = DEFAULT_LANG) -> str:
    """'vi', 'en' or 'id' from diacritics and function words; `default` when nothing decides."""
    tokens = _WORD_RE.findall(re.sub(r"\bhttps?://\S+", " ", text))  # a URL's words are no language
    if not tokens:
        return default
    # Vietnamese names inside an Indonesian question ("Nguyễn Mạnh Hùng") are capitalised: count only
    # lower-case words with Vietnamese letters, which a Vietnamese sentence is full of.
    vi_lower = sum(1 for t in tokens if t[0].islower() and any(c in _VI_CHARS for c in t))
    if vi_lower >= 2 or (vi_lower and vi_lower / len(tokens) >= 0.25):
        return "vi"
    lowered = [t.lower() for t in tokens]
    id_hits = sum(1 for t in lowered if t in _ID_WORDS)
    en_hits = sum(1 for t in lowered if t in _EN_WORDS)
    # lower-case words only: "Bui The Duy" and "Hoang Nam Tien" are names in any language
    vi_plain = sum(1 for t in tokens if t[0].islower() and t in _VI_PLAIN_WORDS)
    if vi_plain >= 3 and vi_plain > max(id_hits, en_hits):
        return "vi"
    if en_hits > id_hits:
        return "en"
    if id_hits > en_hits:
        return "id"
    if any(c in _VI_CHARS for c in text):
        return "vi"
    return default


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of a text, without surrounding white space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        before = text[start : match.start()].rstrip(".")
        last_word = before.rsplit(None, 1)[-1].lower() if before.split() else ""
        if "\n" not in match.group() and last_word in _ABBREVIATIONS:
            continue  # "No. 57": not the end of a sentence
        _append_span(text, start, match.start(), spans)
        start = match.end()
    _append_span(text, start, len(text), spans)
    return spans


# Shorter "sentences" are photo captions ("Ikhtisar Seminar."); lines without a final stop are headings
# ("Sepakati 4 arah kerja sama strategis") or links: never worth a token.
MIN_SENTENCE_WORDS = 4
# A sentence longer than this (~90 tokens) is offered in clauses, cut after ";" or ":": the articles
# list a ministry's plans in one 300-token sentence, which would take the whole budget or be left out
# with the one clause that answers ("... agar perusahaan Vietnam seperti Viettel dan VNPT ...").
MAX_PIECE_CHARS = 300
_CLAUSE_END_RE = re.compile(r"[;:](?=\s)")


def _is_prose(sentence: str) -> bool:
    """A sentence worth showing: not a heading, caption or link line (those lack a final stop)."""
    return len(sentence.split()) >= MIN_SENTENCE_WORDS and sentence.rstrip()[-1:] in ".!?\"'”’)…"


def prose_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the prose sentences of a text, long ones cut into clauses of at least 4 words.

    The units the prompt picks from and the sentence vectors of the index are made of.
    """
    spans = []
    for a, b in split_sentences(text):
        if not _is_prose(text[a:b]):
            continue
        start = a
        if b - a > MAX_PIECE_CHARS:
            for match in _CLAUSE_END_RE.finditer(text, a, b):
                cut = match.end()
                if min(len(text[start:cut].split()), len(text[cut:b].split())) >= MIN_SENTENCE_WORDS:
                    spans.append((start, cut))
                    start = cut + len(text[cut:b]) - len(text[cut:b].lstrip())
        spans.append((start, b))
    return spans


def _append_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Add text[start:end], stripped of white space, when it holds a word."""
    chunk = text[start:end]
    left = len(chunk) - len(chunk.lstrip())
    right = len(chunk.rstrip())
    if _WORD_RE.search(chunk):
        spans.append((start + left, start + right))


def abstention_text(lang: str) -> str:
    """The plain 'the articles do not say' sentence in the given language."""
    return ABSTENTIONS.get(lang, ABSTENTIONS[DEFAULT_LANG])


class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...


@lru_cache(maxsize=4)
def _stemmer(algorithm: str) -> _Stemmer | None:
    try:
        import Stemmer  # PyStemmer: a dependency of bm25s, already installed with retrieval
    except ImportError:
        return None
    stemmer: _Stemmer = Stemmer.Stemmer(algorithm)
    return stemmer


def stem(word: str) -> str:
    """A crude language-agnostic stem: Indonesian then English Snowball rules on the folded word."""
    word = fold(word)
    for algorithm in ("indonesian", "english"):
        stemmer = _stemmer(algorithm)
        if stemmer is not None:
            word = stemmer.stemWord(word)
    return word


# Everyday Indonesian words and the articles' formal words for the same thing: a user asks what NATIF will
# "bantu" for businesses that "pakai" AI, the article says it will "mendukung" those that "menerapkan" it.
_SAME_MEANING = (
    "bantu membantu dibantu dukung mendukung didukung dukungan",
    "pakai memakai dipakai terapkan menerapkan diterapkan penerapan menggunakan digunakan penggunaan",
    "kasih ngasih memberi memberikan diberikan",
)


@cache
def _meanings() -> dict[str, frozenset[str]]:
    groups = [frozenset(stem(w) for w in group.split()) for group in _SAME_MEANING]
    return {term: group for group in groups for term in group}


def same_meaning(term: str) -> frozenset[str]:
    """A content term (a stem) with the stems of the words that mean the same (_SAME_MEANING)."""
    return _meanings().get(term, frozenset((term,)))


def content_terms(text: str) -> set[str]:
    """Stems of the words that carry meaning (no function words), for overlap scores."""
    return {stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())}


# Scale words after a number: "2,1 juta" = "2.1 million" = "2,1 triệu".
_SCALES = {
    "ribu": 1e3, "rb": 1e3, "thousand": 1e3, "nghìn": 1e3, "ngàn": 1e3,
    "juta": 1e6, "million": 1e6, "millions": 1e6, "mn": 1e6, "triệu": 1e6,
    "miliar": 1e9, "milyar": 1e9, "billion": 1e9, "billions": 1e9, "bn": 1e9, "tỷ": 1e9, "tỉ": 1e9,
    "triliun": 1e12, "trillion": 1e12,
}  # fmt: skip
# Number words and month names, read only in passages: an answer saying "8 projects" or "June 10" is
# supported by "delapan proyek" or "10 Juni".
_NUMBER_WORDS = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8,
    "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000,
    "pertama": 1, "kedua": 2, "ketiga": 3, "keempat": 4, "kelima": 5,
    "januari": 1, "februari": 2, "maret": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "agustus": 8, "september": 9, "oktober": 10, "november": 11, "desember": 12,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "hundred": 100, "thousand": 1000,
    "january": 1, "february": 2, "march": 3, "june": 6, "july": 7, "august": 8, "october": 10,
    "december": 12,  # "may" is left out: far more often a verb
}  # fmt: skip
# A number: digit groups of three after a separator ("4.000", "4,000") or a decimal ("2,1", "2.1"),
# then an optional scale word. Not inside a word ("G20") nor right after a separator.
_NUMBER_RE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)(?:\s*(" + "|".join(_SCALES) + r")\b)?",
    re.IGNORECASE,
)


def _readings(digits: str) -> set[float]:
    """Every value a written number can mean: '4.000' is 4000 (id, vi) or 4.0 (en); '2,1' is 2.1."""
    values = set()
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):
        values.add(float(re.sub(r"[.,]", "", digits)))
    if digits.count(".") + digits.count(",") <= 1:
        values.add(float(digits.replace(",", ".")))
    return values


def number_mentions(
    text: str, *, with_words: bool = False, strict_scale: bool = False
) -> list[tuple[str, frozenset[float]]]:
    """Each number written in the text with the set of values it can mean.

    "2,1 juta" means 2.1 and 2,100,000 (a passage's number may be restated either way); with
    `strict_scale` only the scaled value, so that an answer's "100 million" does not match "100 miliar".
    """
    mentions = []
    for match in _NUMBER_RE.finditer(text):
        values = _readings(match.group(1))
        scale = _SCALES.get((match.group(2) or "").lower(), 1.0)
        scaled = {round(v * scale, 6) for v in values}
        mentions.append((match.group(), frozenset(scaled if strict_scale else values | scaled)))
    if with_words:
        mentions += [(w, frozenset({float(_NUMBER_WORDS[w])})) for w in words(text) if w in _NUMBER_WORDS]
    return mentions


def number_values(text: str) -> frozenset[float]:
    """Every value the numbers and number words of a text can mean (see number_mentions)."""
    return frozenset(v for _, values in number_mentions(text, with_words=True) for v in values)
