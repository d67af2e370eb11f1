"""Citation parsing, checking claims against passages, and resolving quotes to document offsets."""

from __future__ import annotations

import pytest

from rag.citations import (
    check_claims,
    complete_cut_reply,
    missing_facts,
    names_in,
    parse_answer,
    question_coverage,
    render_answer,
    support_windows,
    to_citation,
    unplaced_names,
    window_coverage,
)
from rag.prompting import Passage
from rag.types import Chunk, Hit

DOC = (
    "Judul artikel. Departemen Luar Negeri Australia menyediakan dana awal sebesar AUD 2,1 juta untuk "
    "mendirikan Pusat ini. Pada 10 Juni, Qualcomm meluncurkan Pusat Litbang AI di Hanoi. "
    "Delapan proyek senilai lebih dari 400.000 AUD diumumkan."
)
PROJECTS = "Delapan proyek senilai lebih dari 400.000 AUD diumumkan."
OTHER = "Duta Besar Uni Eropa untuk Vietnam, Julien Guerrier, menilai Vietnam dan Uni Eropa punya nilai sama."


def _passage(n: int, text: str, chunk_start: int, doc_id: str = "d1") -> Passage:
    from rag.language import split_sentences

    chunk = Chunk(f"{doc_id}#{n}", doc_id, n, text, chunk_start, chunk_start + len(text), "T", "http://x")
    return Passage(n, Hit(chunk, 1.0, n, dense_score=0.9), text, tuple(split_sentences(text)))


@pytest.fixture
def passages() -> list[Passage]:
    return [_passage(1, DOC[15:], 15), _passage(2, OTHER, 0, "d2")]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Dana awal AUD 2,1 juta [1].", [("Dana awal AUD 2,1 juta.", (1,), ())]),
        ("A satu [1]. B dua [2].", [("A satu.", (1,), ()), ("B dua.", (2,), ())]),
        ("A satu. [1] B dua [1, 2].", [("A satu.", (1,), ()), ("B dua.", (1, 2), ())]),
        ("A satu [1][2].", [("A satu.", (1, 2), ())]),
        ("A satu [7].", [("A satu.", (), (7,))]),
        ("A satu [1] [1].", [("A satu.", (1,), ())]),
        ("Tanpa sumber.", [("Tanpa sumber.", (), ())]),
        ("", []),
    ],
)
def test_parse_answer(answer: str, expected: list[tuple[str, tuple[int, ...], tuple[int, ...]]]) -> None:
    claims = parse_answer(answer, {1, 2})
    assert [(c.text, c.cited, c.unknown) for c in claims] == expected


@pytest.mark.parametrize(
    ("claim", "missing"),
    [
        ("Australia provided AUD 2.1 million in seed funding.", ()),
        ("Australia menyediakan AUD 2,1 juta.", ()),
        ("Australia menyediakan AUD 3 juta.", ("3 juta",)),
        ("Qualcomm opened it on June 10.", ()),  # "Juni" reads as month 6, and 10 is there
        ("Qualcomm membukanya pada 10/6.", ()),
        ("Eight projects worth over 400,000 AUD were announced.", ()),
        ("The center was opened by Samsung in Hanoi.", ("Samsung",)),
        ("Ông Nguyễn Văn Tèo phát biểu.", ("Nguyễn", "Văn", "Tèo")),
        ("The Ministry of Science opened it.", ()),  # common capitalised words are not names
    ],
)
def test_missing_facts(claim: str, missing: tuple[str, ...]) -> None:
    assert missing_facts(claim, DOC) == missing


VISIT = (
    "Pada sore hari tanggal 4 Agustus 2025, Menteri Laos tiba. Kerja sama itu berjalan lebih dari 15 tahun."
)


@pytest.mark.parametrize(
    ("claim", "missing"),
    [
        # a date's day is no length of time: "4 Agustus 2025" does not say the visit lasted 4 days
        ("Chuyến thăm kéo dài 4 ngày.", ("4 ngày",)),
        ("The visit lasted 4 days.", ("4 days",)),
        ("Kerja sama itu berjalan 15 tahun.", ()),
        ("Hợp tác đã kéo dài hơn 15 năm.", ()),
        # Vietnamese dates put the day before "tháng": "4 tháng 8" is the 4th of August, not 4 months
        ("Bộ trưởng đến ngày 4 tháng 8 năm 2025.", ()),
    ],
)
def test_a_length_of_time_must_be_one_in_the_passage(claim: str, missing: tuple[str, ...]) -> None:
    assert missing_facts(claim, VISIT, names=False) == missing


@pytest.mark.parametrize(
    ("claim", "passage", "missing"),
    [
        # a quantity with a unit of measure needs that unit in the passage: "10 Juni" has the 10 only
        (
            "The centre will compute 10 petaflops.",
            "Pada 10 Juni, pusat superkomputer dibuka.",
            ("10 petaflops",),
        ),
        ("The centre will compute 10 petaflops.", "Pusat itu berkapasitas 10 petaflop.", ()),
        ("Trung tâm dữ liệu dùng 20 MW.", "Pusat data 20 MW dibangun.", ()),
        ("Trung tâm dữ liệu dùng 20 MW.", "Pusat data untuk 20 perusahaan dibangun.", ("20 MW",)),
    ],
)
def test_a_quantity_must_have_its_unit_in_the_passage(
    claim: str, passage: str, missing: tuple[str, ...]
) -> None:
    assert missing_facts(claim, passage, names=False) == missing


def test_a_length_of_time_may_be_written_in_words() -> None:
    assert missing_facts("Pelatihan berlangsung 2 hari.", "Pelatihan berlangsung selama dua hari.") == ()


def test_names_skip_the_first_word_and_possessives() -> None:
    assert names_in("Qualcomm opened Laos's centre with Nokia") == ["Laos", "Nokia"]


@pytest.mark.parametrize(
    ("answer", "lang", "kept", "verdict"),
    [
        (
            "Australia menyediakan dana awal AUD 2,1 juta [1].",
            "id",
            ["Australia menyediakan dana awal AUD 2,1 juta."],
            "pass [1]",
        ),
        (
            "Australia menyediakan dana awal AUD 2,1 juta [2].",
            "id",
            ["Australia menyediakan dana awal AUD 2,1 juta."],
            "re-cited [2] -> [1]",
        ),
        ("Australia menyediakan dana awal AUD 9 juta [1].", "id", [], "fail [1]"),
        (
            "The EU ambassador is Julien Guerrier [2].",
            "en",
            ["The EU ambassador is Julien Guerrier."],
            "pass [2]",
        ),
        ("The EU ambassador is Pierre Dupont [2].", "en", [], "fail [2]"),
        (
            "Duta Besar Uni Eropa adalah Julien Guerrier.",
            "id",
            ["Duta Besar Uni Eropa adalah Julien Guerrier."],
            "re-cited uncited -> [2]",
        ),
    ],
)
def test_check_claims(passages: list[Passage], answer: str, lang: str, kept: list[str], verdict: str) -> None:
    checked, lines = check_claims(parse_answer(answer, {1, 2}), passages, lang)
    assert [c.claim.text for c in checked] == kept
    assert lines[-1].startswith(verdict)


@pytest.mark.parametrize(
    ("question", "answer", "lang", "kept"),
    [
        # what the answer adds to the question ("kepala", head) is nowhere near the cited sentence
        (
            "Apa jabatan Julien Guerrier di Uni Eropa?",
            "Julien Guerrier adalah kepala Uni Eropa [2].",
            "id",
            False,
        ),
        (
            "Apa jabatan Julien Guerrier?",
            "Julien Guerrier adalah Duta Besar Uni Eropa untuk Vietnam [2].",
            "id",
            True,
        ),
        # an English answer shares no words with Indonesian passages: the rule is for Indonesian only
        (
            "What is Julien Guerrier's job?",
            "Julien Guerrier is the EU ambassador to Vietnam [2].",
            "en",
            True,
        ),
    ],
)
def test_what_an_answer_adds_must_come_from_its_source(
    passages: list[Passage], question: str, answer: str, lang: str, kept: bool
) -> None:
    checked, lines = check_claims(parse_answer(answer, {1, 2}), passages, lang, question)
    assert bool(checked) is kept
    if not kept:
        assert lines[-1].startswith("fail [2]") and "[2] lacks kepala" in lines[-1]


def test_unknown_markers_are_reported_and_removed(passages: list[Passage]) -> None:
    checked, lines = check_claims(
        parse_answer("Julien Guerrier adalah Duta Besar Uni Eropa [2][9].", {1, 2}), passages, "id"
    )
    assert render_answer(checked) == "Julien Guerrier adalah Duta Besar Uni Eropa [2]."
    assert lines[0].startswith("removed [9]")


def test_citation_quotes_the_supporting_sentence_with_document_offsets(passages: list[Passage]) -> None:
    checked, _ = check_claims(
        parse_answer("Qualcomm meluncurkan Pusat Litbang AI pada 10 Juni [1].", {1, 2}), passages, "id"
    )
    citation = to_citation(passages[0], checked[0].supports[0].span)
    assert citation.quote == "Pada 10 Juni, Qualcomm meluncurkan Pusat Litbang AI di Hanoi."
    assert DOC[citation.start : citation.end] == citation.quote
    assert (citation.n, citation.doc_id, citation.source_url) == (1, "d1", "http://x")


LAWS = (
    "Kementerian menyusun tiga undang-undang dasar tentang AI, industri digital, dan transformasi digital. "
    "Kalimat pengisi tentang kerja sama kedua negara yang panjang sekali. "
    "Kalimat pengisi lain tentang pelatihan pegawai di banyak provinsi. "
    "Empat undang-undang lain diajukan kepada Majelis Nasional untuk disetujui pada Oktober 2025."
)


def _excerpt(n: int, text: str, keep: list[int], doc_id: str = "d3") -> Passage:
    """A passage showing only some sentences of its chunk, as select_passages builds them."""
    from rag.language import split_sentences

    spans = tuple(split_sentences(text)[k] for k in keep)
    chunk = Chunk(f"{doc_id}#{n}", doc_id, n, text, 0, len(text), "T", "http://x")
    return Passage(n, Hit(chunk, 1.0, n, dense_score=0.9), " ".join(text[a:b] for a, b in spans), spans)


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        # the date belongs to the sentence about the four laws: it may be stated of them...
        ("Empat undang-undang diajukan kepada Majelis Nasional pada Oktober 2025 [1].", 1),
        # ...but joining it to the AI law, three sentences away in the same passage, is not in the article
        ("Undang-Undang Kecerdasan Buatan disahkan pada Oktober 2025 [1].", 0),
    ],
)
def test_the_facts_of_a_claim_must_sit_together_in_the_passage(answer: str, kept: int) -> None:
    passage = _excerpt(1, LAWS.replace("tentang AI", "tentang Kecerdasan Buatan"), [0, 3])
    checked, lines = check_claims(parse_answer(answer, {1}), [passage], "id", "Kapan disahkan?")
    assert len(checked) == kept, lines


def test_names_taken_from_the_question_must_be_in_the_cited_article() -> None:
    passage = _passage(1, OTHER, 0, "d2")
    question = "Apa pendapat Duta Besar Gillian Bird tentang Uni Eropa?"
    claim = parse_answer("Duta Besar Gillian Bird menilai Vietnam dan Uni Eropa punya nilai sama [1].", {1})
    assert check_claims(claim, [passage], "id", question)[0] == []
    # Bird is in the article, but the sentence quoted gives another ambassador's view
    article = {"d2": f"Duta Besar Gillian Bird hadir. {OTHER}"}
    assert check_claims(claim, [passage], "id", question, article)[0] == []
    # a sentence that names no one else speaks of the ambassador named before it
    own = "Ia menilai Vietnam dan Uni Eropa punya nilai sama."
    article = {"d2": f"Duta Besar Gillian Bird hadir. Acara dibuka. {own}"}
    passage = _passage(1, article["d2"], 0, "d2")
    assert len(check_claims(claim, [passage], "id", question, article)[0]) == 1


def test_a_country_taken_from_the_question_must_be_in_the_cited_article() -> None:
    # "Korea" is a name the articles write as such: the Vietnam-Korea forum is not in a Vietnam-Laos article
    laos = "Kedua pihak akan menyelenggarakan Pekan Digital Vietnam - Laos tahunan."
    passage = _passage(1, laos, 0, "d4")
    question = "Forum Digital Vietnam-Korea digelar dalam rangkaian acara apa?"
    claim = parse_answer("Forum Digital Vietnam-Korea digelar dalam Pekan Digital Vietnam - Laos [1].", {1})
    assert check_claims(claim, [passage], "id", question, {"d4": laos})[0] == []
    korea = f"Forum Digital Vietnam-Korea diadakan. {laos}"
    passage = _passage(1, korea, 0, "d4")
    assert len(check_claims(claim, [passage], "id", question, {"d4": korea})[0]) == 1


def test_an_abbreviation_taken_from_the_question_need_not_be_in_the_article() -> None:
    # users write "UU" where the article spells out "Undang-Undang"; a real name still has to be there
    passage = _passage(1, LIST, 0, "d3")
    question = "UU apa saja yang disahkan Majelis?"
    claim = parse_answer("UU tentang Industri Teknologi Digital disahkan Majelis [1].", {1})
    assert len(check_claims(claim, [passage], "id", question, {"d3": LIST})[0]) == 1
    invented = parse_answer("UU tentang Industri Teknologi Digital disahkan Majelis Kamboja [1].", {1})
    assert check_claims(invented, [passage], "id", question, {"d3": LIST})[0] == []


def test_every_sentence_of_a_text_has_a_first_word() -> None:
    text = "Dubes UE Julien Guerrier menyebut dua hal sebagai bukti orientasi Vietnam. Apa saja? “Siapa dia?"
    assert names_in(text) == ["UE", "Julien", "Guerrier", "Vietnam"]
    assert "Apa" in names_in(text, first=True)


def test_a_number_taken_from_the_question_must_be_in_the_cited_place() -> None:
    # the year is the question's, but the quoted sentence and its neighbours never mention 2030
    passage = _excerpt(1, LAWS, [0])
    question = "Apa target Kementerian untuk undang-undang AI pada 2030?"
    article = {"d3": f"{LAWS} Kalimat penutup. Kalimat lain. Visi nasional menatap tahun 2030."}
    restated = parse_answer("Kementerian menyusun tiga undang-undang dasar tentang AI pada 2030 [1].", {1})
    assert check_claims(restated, [passage], "id", question, article)[0] == []
    plain = parse_answer("Kementerian menyusun tiga undang-undang dasar tentang AI [1].", {1})
    assert len(check_claims(plain, [passage], "id", question, article)[0]) == 1


LIST = (
    "Majelis telah mengesahkan 5 Undang-Undang, yaitu: Undang-Undang tentang Ilmu Pengetahuan; Undang-Undang "
    "tentang Industri Teknologi Digital; Undang-Undang tentang Tenaga Atom. Sidang ditutup pada 10 Juni."
)


@pytest.mark.parametrize(
    ("reply", "completed", "n"),
    [
        # cut inside a word while copying the list: the rest of that sentence only, with its marker
        ("Majelis mengesahkan 5 Undang-Undang, yaitu: Undang-Undang tentang Ilmu Pengetahuan; Undang-Und",
         "Majelis mengesahkan 5 Undang-Undang, yaitu: Undang-Undang tentang Ilmu Pengetahuan; Undang-Undang "
         "tentang Industri Teknologi Digital; Undang-Undang tentang Tenaga Atom [3].", 3),
        # a finished reply, and a cut one whose end is not in any passage, stay as they are
        ("Majelis mengesahkan 5 Undang-Undang [3].", None, None),
        ("Majelis mengesahkan lima undang-undang yang berkaitan dengan sains dan teknologi yang", None, None),
    ],
)  # fmt: skip
def test_a_reply_cut_while_copying_is_finished_from_its_passage(
    passages: list[Passage], reply: str, completed: str | None, n: int | None
) -> None:
    text, used = complete_cut_reply(reply, [*passages, _passage(3, LIST, 0, "d3")])
    assert (text, used) == (completed or reply, n)
    if completed:
        assert [c.cited for c in parse_answer(text, {1, 2, 3})] == [(3,)]


KNOWLEDGE = (
    "Kementerian Sains dan Teknologi menganggap standar, metrologi, dan kekayaan intelektual sebagai alat "
    "penting untuk membangun ekonomi berbasis pengetahuan."
)


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        # no name nor number to anchor on: the English words that are the passage's words spelled the
        # English way ("standardization" / "standar", "intellectual" / "intelektual") carry the overlap
        ("The ministry sees standardization and intellectual property as tools for a knowledge economy.", 1),
        ("The ministry wants more people to learn to swim before the summer holidays.", 0),
    ],
)
def test_an_english_claim_is_supported_by_the_words_it_shares_with_its_source(answer: str, kept: int) -> None:
    passage = _passage(1, KNOWLEDGE, 0, "d4")
    checked, lines = check_claims(parse_answer(answer, set()), [passage], "en", "Which two tools?")
    assert len(checked) == kept, lines


TUYEN_QUANG = "Ketua Komite Rakyat Provinsi Tuyen Quang, Nguyen Van Son, meminta instansi bertindak."
DFAT = "Departemen Luar Negeri dan Perdagangan Australia menyediakan dana awal AUD 2,1 juta untuk AVSTC."


@pytest.mark.parametrize(
    ("question", "claim", "sentence", "unplaced"),
    [
        # the question's place put in place of the sentence's own
        (
            "siapa ketua komite rakyat provinsi binh dinh?",
            "Ketua Komite Rakyat Provinsi Binh Dinh adalah Nguyen Van Son.",
            TUYEN_QUANG,
            ("Binh Dinh",),
        ),
        ("UTS nyumbang dana brp utk AVSTC?", "UTS menyumbang AUD 2,1 juta untuk AVSTC.", DFAT, ("UTS",)),
        # the sentence names the asked-about subject (one word of the name is enough)
        ("Berapa dana dari Australia?", "Australia menyediakan AUD 2,1 juta.", DFAT, ()),
        (
            "Apa kata Menteri Nguyen Manh Hung?",
            "Nguyen Manh Hung meresmikan 8 proyek.",
            "Menteri Hung dan Duta Besar Bird meresmikan delapan proyek.",
            (),
        ),
        # a sentence that names no one else speaks of the subject named before it
        (
            "Apa yang diberikan Nokia untuk AVSTC?",
            "Nokia memberi peralatan teknis untuk AVSTC.",
            "Perusahaan telekomunikasi global Nokia menyediakan peralatan teknis.",
            (),
        ),
        # a claim that adds no name or number of its own restates the question
        ("Apa tujuan UTS?", "UTS ingin memperkuat riset.", DFAT, ()),
    ],
)
def test_a_claim_may_not_move_its_fact_to_the_question_s_subject(
    question: str, claim: str, sentence: str, unplaced: tuple[str, ...]
) -> None:
    source = f"{sentence} UTS dan Binh Dinh juga disebut."
    assert unplaced_names(claim, sentence, sentence, question, source) == unplaced


def test_the_window_of_a_chunk_s_first_sentence_is_the_article_s() -> None:
    # the chunk starts with the supporting sentence: the sentence before it is in the article only
    start = DOC.index("Pada 10 Juni")
    shown = _passage(1, DOC[start:], start)
    kept, _ = check_claims(
        parse_answer("Qualcomm meluncurkan Pusat Litbang AI di Hanoi [1].", {1}), [shown], "id"
    )
    assert support_windows(kept, [shown]) == ["Pada 10 Juni, Qualcomm meluncurkan Pusat Litbang AI di Hanoi."]
    window = support_windows(kept, [shown], {"d1": DOC})[0]
    assert window.startswith("Departemen Luar Negeri Australia") and window.endswith("di Hanoi.")
    question = "Apakah dana awal Australia membuka pusat Qualcomm?"
    assert question_coverage(question, kept, [shown], {"d1": DOC}) > question_coverage(
        question, kept, [shown]
    )
    # an article whose text does not hold the chunk where its offsets say is not used
    assert support_windows(kept, [shown], {"d1": "other text"}) == support_windows(kept, [shown])


@pytest.mark.parametrize(
    ("question", "window", "expected"),
    [
        # the words about the articles and the asking ("di artikel-artikel ini", "disebut", "tolong
        # sebutkan angkanya") are not the topic: the gathering question is fully covered
        ("Proyek apa saja yang disebut di artikel-artikel ini? Tolong sebutkan angkanya.", PROJECTS, 1.0),
        ("Which laws are mentioned in these articles?", "Five laws were passed.", 1.0),
        # topic words still count: "Qualcomm" and "gaji" are not in the sentence
        ("Berapa gaji proyek Qualcomm yang disebut di artikel?", PROJECTS, 1 / 3),
    ],
)
def test_coverage_leaves_out_words_about_the_articles(question: str, window: str, expected: float) -> None:
    assert window_coverage(question, [window]) == pytest.approx(expected)
