"""Abstention decisions: before generating (retrieval evidence) and after (reply and checks)."""

from __future__ import annotations

import pytest

from rag.abstention import (
    OFF_TOPIC_DENSE,
    asks_count_in_period,
    asks_for_name,
    asks_for_number,
    asks_per_unit,
    asks_present,
    compares,
    count_for_other_year,
    decide_after_generation,
    envoy_reversed,
    gate_before_generation,
    holds_other_post,
    is_refusal,
    names_only_deputy,
    names_something_new,
    states_only_goal,
    states_period,
)
from rag.types import Chunk, Hit

TEXT = "Pada 10 Juni, Qualcomm meluncurkan Pusat Litbang AI di Hanoi dengan dana 2,1 juta."


def _hits(dense: float | None) -> list[Hit]:
    chunk = Chunk("d#0", "d", 0, TEXT, 0, len(TEXT))
    return [Hit(chunk, 0.03, 1, dense_score=dense, lexical_score=3.0)]


@pytest.mark.parametrize(
    ("question", "lang", "dense", "abstain"),
    [
        ("Kapan Qualcomm meluncurkan pusat AI?", "id", 0.88, False),
        ("Kapan Qualcomm meluncurkan pusat AI?", "id", OFF_TOPIC_DENSE - 0.01, True),  # off topic
        ("Kapan Qualcomm meluncurkan pusat AI?", "id", None, False),  # lexical-only search: no dense evidence
        ("Bagaimana kerja sama AI Vietnam dengan Jepang?", "id", 0.9, True),  # a name found in no passage
        # abbreviations the articles spell out, and title abbreviations, are not names
        ("Apa rencana Qualcomm untuk SDM AI di Hanoi?", "id", 0.9, False),
        ("Kapan Wamen meluncurkan pusat AI di Hanoi?", "id", 0.9, False),
        ("What did Qualcomm open in Hanoi?", "en", 0.85, False),
        ("What happened in 2040?", "en", 0.85, True),  # a number found in no passage
        # names in English and Vietnamese are spelled their own way ("Geneva", "Jenewa"): numbers only
        ("What did Qualcomm open ahead of the Geneva dialogue?", "en", 0.85, False),
        ("Ai là Phó Giám đốc của Qualcomm tại Hà Nội?", "vi", 0.85, False),
        ("Qualcomm làm gì vào năm 2040?", "vi", 0.85, True),
        # only question words, with no conversation to take a topic from: nothing to look for
        ("Siapa?", "id", 0.85, True),
        ("And when?", "en", 0.85, True),
        ("Ai là ai?", "vi", 0.85, True),
        ("What about Laos?", "en", 0.85, False),
    ],
)
def test_gate_before_generation(question: str, lang: str, dense: float | None, abstain: bool) -> None:
    assert gate_before_generation(question, _hits(dense), lang).abstain is abstain


def test_gate_without_hits_abstains() -> None:
    assert gate_before_generation("Apa?", []).abstain


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("Artikel-artikel ini tidak menyebutkan hal tersebut.", True),
        ("The articles do not mention this.", True),
        ("Các bài báo không đề cập đến điều này.", True),
        ("Sumber tidak menyebutkan anggaran tersebut.", True),
        ("The sources do not specify the budget.", True),
        ("Qualcomm meluncurkan pusat AI [1].", False),
    ],
)
def test_is_refusal(text: str, refusal: bool) -> None:
    assert is_refusal(text) is refusal


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Berapa dana awal?", True),
        ("Kapan dibuka?", True),
        ("How many projects?", True),
        ("Bao nhiêu người?", True),
        ("Siapa Duta Besar?", False),
        ("Who is the ambassador?", False),
        # English "when" asks only at the start of a question or clause
        ("When will the law take effect?", True),
        ("Who signed it, and when?", True),
        ("What does the draft law pay attention to when it comes to children?", False),
        ("What happens when the centre opens?", False),
        ("By when must the decrees be submitted?", True),
        # a rate or a share is a number too
        ("To what rate would the import duty be cut?", True),
        ("Tỷ lệ thuế nhập khẩu là bao nhiêu phần trăm?", True),
        # so is a capacity, a size or a total, with up to two words before it
        ("What computing capacity is planned for the supercomputer centre?", True),
        ("What is the size of the research team?", True),
        ("What kind of centre is planned?", False),
    ],
)
def test_asks_for_number(question: str, asks: bool) -> None:
    assert asks_for_number(question) is asks


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Siapa Duta Besar Korea?", True),
        ("Dana apa yang membiayai proyek AI?", True),
        ("Di kota mana saja tim itu bekerja?", True),
        ("Which company opened the centre?", True),
        ("Ai là Đại sứ Hàn Quốc?", True),
        ("Quỹ nào hỗ trợ doanh nghiệp AI?", True),
        ("Apa empat pilar AI?", False),
        ("What AI tasks did Vietnam set?", False),  # "AI" is not Vietnamese "ai" (who)
        ("Berapa dana awal?", False),
        # "other" and an adjective written with a capital may stand before the kind asked for
        ("Which other Asian countries completed the assessment?", True),
        ("What Korean companies opened centres?", True),
        ("What does the ministry plan?", False),
        ("What other steps did Vietnam take?", False),
        # units, ministries and institutes are named too; "toàn bộ" (all of) is no ministry
        ("AVSTC do những đơn vị nào chủ trì?", True),
        ("Các bài viết còn nhắc đến những bộ nào khác?", True),
        ("Which bodies lead the centre?", True),
        ("Toàn bộ nào cũng được?", False),
    ],
)
def test_asks_for_name(question: str, asks: bool) -> None:
    assert asks_for_name(question) is asks


def test_a_name_in_an_indonesian_answer_is_spelled_so_in_its_source() -> None:
    question = "Siapa perwakilan PBB yang bertemu Wakil Menteri?"
    source = "Vietnam memandang sains sebagai penentu pembangunan berkelanjutan. Pauline Tamesis hadir."
    copied = ["Pembangunan berkelanjutan menjadi tujuan."]  # capitalised only because the copy starts there
    assert decide_after_generation(question, "x", copied, 0).abstain is False
    assert decide_after_generation(question, "x", copied, 0, "id", [source]).abstain is True
    named = ["Pauline Tamesis bertemu Wakil Menteri."]
    assert decide_after_generation(question, "x", named, 0, "id", [source]).abstain is False


@pytest.mark.parametrize(
    ("question", "reply", "kept", "dropped", "abstain"),
    [
        ("Siapa?", "Qualcomm [1].", ["Qualcomm."], 0, False),
        # "which fund": the answer restates the question and names no fund ("Pemerintah" is the government)
        (
            "Dana apa yang membiayai AI?",
            "Pemerintah membiayai AI [1].",
            ["Pemerintah membiayai AI."],
            0,
            True,
        ),
        ("Dana apa yang membiayai AI?", "NATIF membiayai AI [1].", ["NATIF membiayai AI."], 0, False),
        ("Siapa?", "Artikel-artikel ini tidak menyebutkan hal tersebut.", [], 0, True),
        ("Siapa?", "Samsung [1].", [], 1, True),  # the only sentence failed its check
        ("Berapa dana?", "Dana itu besar [1].", ["Dana itu besar."], 0, True),  # no number in the answer
        ("Berapa proyek?", "Delapan proyek [1].", ["Delapan proyek."], 0, False),  # number word
        # the only number is the question's own: the amount asked for is not given
        ("Berapa biaya untuk 200 desa?", "x", ["Biaya untuk 200 desa sangat besar."], 0, True),
        ("Berapa biaya untuk 200 desa?", "x", ["Biaya untuk 200 desa adalah 5 juta dolar."], 0, False),
        ("How many of the 200 villages?", "x", ["All 200 villages."], 0, True),
        ("Kapan?", "Pada 10 Juni [1].", ["Pada 10 Juni."], 0, False),
    ],
)
def test_decide_after_generation(
    question: str, reply: str, kept: list[str], dropped: int, abstain: bool
) -> None:
    assert decide_after_generation(question, reply, kept, dropped).abstain is abstain


@pytest.mark.parametrize(
    ("question", "lang", "kept", "abstain"),
    [
        # asked in Vietnamese, answered with a copied Indonesian passage sentence
        ("Luật AI có hiệu lực từ ngày nào?", "vi", ["Undang-undang itu disahkan pada sidang ke-9."], True),
        ("Ai cung cấp thiết bị?", "vi", ["Nokia cung cấp thiết bị kỹ thuật."], False),
        ("Who provides the equipment?", "en", ["Nokia menyediakan peralatan teknis untuk pusat itu."], True),
        ("Who provides the equipment?", "en", ["Nokia provides the technical equipment."], False),
        ("Siapa yang menyediakan peralatan?", "id", ["Nokia menyediakan peralatan teknis."], False),
        # a bare name decides no language: it is kept
        ("Who is the ambassador?", "en", ["Gillian Bird."], False),
    ],
)
def test_an_answer_in_another_language_is_refused(
    question: str, lang: str, kept: list[str], abstain: bool
) -> None:
    decision = decide_after_generation(question, " ".join(kept), kept, 0, lang)
    assert decision.abstain is abstain, decision.reasons


@pytest.mark.parametrize(
    ("question", "kept", "abstain"),
    [
        ("Kapan undang-undang itu disahkan?", ["Kementerian menyusun tiga undang-undang."], True),
        ("Kapan undang-undang itu disahkan?", ["Undang-undang diajukan pada Oktober 2025."], False),
        # "when" needs a time: a count is none, "next year" is one, the question's own year is not new
        ("Desa-desa itu ditargetkan beres kapan?", ["Saat ini terdapat sekitar 200 desa."], True),
        ("Desa-desa itu ditargetkan beres kapan?", ["Semua desa ditargetkan terhubung tahun depan."], False),
        ("When will the villages be connected?", ["All villages will be connected next year."], False),
        ("Khi nào các thôn bản có điện?", ["Các thôn bản sẽ có điện vào năm tới."], False),
        ("Kapan program 2025 itu dimulai?", ["Program 2025 itu melibatkan 12 provinsi."], True),
        ("Kapan program 2025 itu dimulai?", ["Program 2025 itu dimulai pada tahun 2024."], False),
        ("Berapa anggaran pusat itu?", ["Pusat itu berdiri di atas empat pilar."], True),
        ("Berapa proyek yang diumumkan?", ["Delapan proyek diumumkan."], False),
        # "how long" answered with a year, "how many" with an ordinal: neither is a count
        ("Sudah berapa lama kerja sama itu berjalan?", ["Kerja sama itu berjalan sejak tahun 2010."], True),
        ("Sudah berapa lama kerja sama itu berjalan?", ["Kerja sama itu sudah berjalan 15 tahun."], False),
        ("Berapa pihak yang menandatangani?", ["Kedua belah pihak menandatangani pada 10 Juni."], True),
        ("How long has the programme run?", ["It has run since June 2021."], True),
        # "how long" needs a length of time: a count of people is not one
        ("Berapa lama pelatihan itu berlangsung?", ["Pelatihan diikuti hampir 10.000 kader."], True),
        ("Berapa lama pelatihan itu berlangsung?", ["Pelatihan berlangsung selama dua minggu."], False),
        ("How long has the programme run?", ["It has run for more than 50 years."], False),
        ("Chương trình kéo dài bao lâu?", ["Chương trình kéo dài 3 tháng."], False),
        ("Chương trình kéo dài bao lâu?", ["Chương trình có 200 học viên."], True),
        # "on which day" needs a day: the year or the month alone does not say it
        (
            "Tanggal berapa Vietnam Digital Week 2026 diselenggarakan?",
            ["Acara itu digelar pada tahun 2026."],
            True,
        ),
        ("Tanggal berapa pusat itu dibuka?", ["Pusat itu dibuka pada 11 Juni 2025."], False),
        ("What date was the centre opened?", ["It was opened in June 2025."], True),
        ("What date was the centre opened?", ["It was opened on June 11."], False),
        ("Trung tâm ra mắt vào ngày nào?", ["Trung tâm ra mắt vào tháng 6 năm 2025."], True),
        ("Trung tâm ra mắt vào ngày nào?", ["Trung tâm ra mắt vào ngày 11 tháng 6."], False),
        ("Trung tâm ra mắt vào ngày nào?", ["Trung tâm ra mắt vào 11/6/2025."], False),
        # "which month" needs a month: a year alone does not say it
        ("KTT itu digelar bulan apa?", ["KTT AI for Good akan digelar di Jenewa pada 2026."], True),
        ("KTT itu digelar bulan apa?", ["KTT AI for Good digelar pada Juli 2026."], False),
        ("In which month did the centre open?", ["The centre opened in 2025."], True),
        ("In which month did the centre open?", ["The centre opened in June 2025."], False),
        ("Diễn đàn được tổ chức vào tháng mấy?", ["Diễn đàn được tổ chức năm 2025."], True),
        ("Diễn đàn được tổ chức vào tháng mấy?", ["Diễn đàn được tổ chức vào tháng 10 năm 2025."], False),
        ("Diễn đàn được tổ chức vào tháng nào?", ["Diễn đàn được tổ chức vào 10/2025."], False),
        # "which specific day" asks for a day too
        ("Lễ kỷ niệm diễn ra vào ngày cụ thể nào của tháng 11?", ["Lễ kỷ niệm diễn ra vào tháng 11."], True),
        ("On which exact date was the law passed?", ["The law was passed in June 2025."], True),
        ("Tanggal pasti berapa acara itu digelar?", ["Acara itu digelar pada 14 Juni."], False),
        # "which city" is not answered by the country every article is about, nor by a continent
        ("Di kota mana konferensi itu akan digelar?", ["Konferensi itu akan digelar di Vietnam."], True),
        ("Di kota mana konferensi itu akan digelar?", ["Konferensi itu digelar di Asia tahun depan."], True),
        ("Di kota mana saja tim itu bekerja?", ["Tim itu bekerja di Hanoi dan Kota Ho Chi Minh."], False),
        # a capitalised common word after "di" is no place: "di Ruang Digital" is "in the digital space"
        (
            "Di kota mana konferensi itu akan digelar?",
            ["Konferensi tentang Hak Anak di Ruang Digital di Vietnam digelar pada 2026."],
            True,
        ),
        ("Di kota mana konferensi itu akan digelar?", ["Konferensi itu digelar di Forum Digital."], True),
        ("Where will the dialogue be held?", ["The dialogue will be held in Laos."], False),
        ("Hội nghị diễn ra ở đâu?", ["Hội nghị diễn ra tại Lào."], False),
        ("Which city will host the forum?", ["The forum will be held in Vietnam."], True),
        ("Which city will host the forum?", ["The forum will be held in Da Nang."], False),
        ("Hội nghị tổ chức ở thành phố nào?", ["Hội nghị tổ chức tại Việt Nam."], True),
        ("Hội nghị tổ chức ở thành phố nào?", ["Hội nghị tổ chức tại Hà Nội."], False),
        # "kapan dan di mana" needs the place as well as the date; a country may answer "where"
        ("Kapan dan di mana proyek itu digelar?", ["Proyek itu digelar pada tanggal 14 Juni."], True),
        (
            "Kapan dan di mana proyek itu digelar?",
            ["Pada tanggal 14 Juni, di Hanoi, proyek itu digelar."],
            False,
        ),
        ("Where will the dialogue be held?", ["The dialogue will be held in Vietnam in 2026."], False),
        ("Where will the dialogue be held?", ["The dialogue will be held next year."], True),
        ("Hội nghị diễn ra ở đâu?", ["Hội nghị diễn ra vào năm 2026."], True),
        # "what is X's budget" asks for an amount: a year, or the question's own number, is not one
        (
            "What is NATIF's budget for AI projects in 2026?",
            ["It is expected to be significant in 2026."],
            True,
        ),
        ("What is NATIF's budget for AI projects in 2026?", ["NATIF has VND 1,000 billion for 2026."], False),
        ("Apa anggaran pusat itu?", ["Anggaran pusat itu diumumkan pada tahun 2025."], True),
        ("What is the value of AI for children?", ["AI helps children with disabilities learn."], False),
        # "berapa lama" is answered without digits too
        ("Dari berapa lama menjadi berapa lama?", ["Dari beberapa bulan menjadi beberapa jam."], False),
        # a round quantity answers "how many" when that is all the article says; "several" does not
        ("Berapa staf yang sudah dilatih?", ["Ratusan staf telah dilatih."], False),
        ("Berapa staf yang sudah dilatih?", ["Beberapa staf telah dilatih."], True),
        ("How many research tasks were carried out?", ["Dozens of research tasks were carried out."], False),
        ("Bao nhiêu cán bộ đã được đào tạo?", ["Hàng trăm cán bộ đã được đào tạo."], False),
        # a question that weighs two provinces is answered by one of them, named without "di"
        (
            "Antara Tuyen Quang dan Binh Dinh, provinsi mana yang melatih lebih banyak pegawai?",
            ["Binh Dinh melatih lebih banyak pegawai, hampir 10.000 orang."],
            False,
        ),
        (
            "Antara Tuyen Quang dan Binh Dinh, provinsi mana yang melatih lebih banyak pegawai?",
            ["Pelatihan itu melibatkan hampir 10.000 orang."],
            True,
        ),
        ("Provinsi mana yang melatih pegawai?", ["Provinsi Binh Dinh melatih pegawai."], True),
        # "which centre" asks for a name: restating the question's abbreviation names nothing
        ("AVSTC là tên viết tắt của trung tâm nào?", ["Trung tâm này được gọi là AVSTC."], True),
        (
            "AVSTC là tên viết tắt của trung tâm nào?",
            ["Đó là Trung tâm Công nghệ Chiến lược Australia-Vietnam."],
            False,
        ),
        # "which countries" needs a country, and Vietnam, which every article is about, is not one
        (
            "Negara-negara mana saja yang akan diundang ke Dialog Kebijakan Regional?",
            ["Vietnam mengusulkan Dialog Kebijakan Regional menjelang Dialog Global di Jenewa."],
            True,
        ),
        ("Negara mana saja yang menjadi mitra AVSTC?", ["Australia dan Vietnam menjadi mitra AVSTC."], False),
        ("Which country will host the conference?", ["The conference will be held in Vietnam."], False),
        ("Những nước nào tham gia?", ["Lào và Campuchia tham gia."], False),
        ("In which country does UNICEF convert textbooks?", ["It does so in Uruguay."], False),
        # "VN" names Vietnam: a company "tại VN" is not answered with Vietnam as its country
        (
            "Qualcomm, công ty vừa mở trung tâm tại VN, là doanh nghiệp của nước nào?",
            ["Qualcomm là doanh nghiệp của nước Việt Nam."],
            True,
        ),
        ("Qualcomm, công ty tại VN, là doanh nghiệp của nước nào?", ["Qualcomm là công ty Mỹ."], False),
        # a budget is an amount of money: a count of people or places is not one
        (
            "berapa anggaran yang dikeluarkan untuk pelatihan AI hampir 4.100 pegawai itu?",
            ["Pelatihan digelar di 154 titik dengan hampir 4.100 peserta."],
            True,
        ),
        ("Berapa dana awal Australia untuk AVSTC?", ["Australia menyediakan dana awal AUD 2,1 juta."], False),
        ("How much seed funding did Australia give?", ["Australia gave seed funding to 8 projects."], True),
        ("How much seed funding did Australia give?", ["Australia gave AUD 2.1 million."], False),
        ("Kinh phí cho dự án là bao nhiêu?", ["Dự án có 8 đề tài."], True),
        ("Kinh phí cho dự án là bao nhiêu?", ["Dự án được cấp 2,1 triệu AUD."], False),
        # "how many days" needs days: "48 tahun" is a length in years
        ("Chuyến thăm kéo dài bao nhiêu ngày?", ["Kunjungan ini memperingati 48 tahun Perjanjian."], True),
        ("Chuyến thăm kéo dài bao nhiêu ngày?", ["Chuyến thăm kéo dài 3 ngày."], False),
        ("Berapa hari pelatihan itu?", ["Pelatihan itu diikuti 4.100 peserta selama 2 minggu."], True),
        ("How many years has the cooperation lasted?", ["It has lasted more than 15 years."], False),
        # a document's number is written in digits: "two mechanisms" does not give it
        (
            "What is the official number of the UN resolution on AI?",
            ["The UN General Assembly adopted a resolution setting up two mechanisms."],
            True,
        ),
        (
            "Nomor berapa resolusi tentang terobosan sains itu?",
            ["Resolusi 57-NQ/TW tentang terobosan sains."],
            False,
        ),
        ("What is the number of participants?", ["Two hundred people took part."], False),
        # "what's the name of" asks for a name the question does not already hold
        ("What's the name of the AI tool UNICEF uses in Malaysia?", ['The tool is called "AI".'], True),
        (
            "Apa nama pusat yang dibuka Qualcomm?",
            ["Pusat itu bernama Pusat Litbang AI Qualcomm Vietnam."],
            False,
        ),
    ],
)
def test_the_answer_states_the_kind_of_fact_asked_for(question: str, kept: list[str], abstain: bool) -> None:
    # dates and amounts need digits, "how long" a duration, "which day" a day, "which city" a city ...
    assert decide_after_generation(question, " ".join(kept), kept, 0).abstain is abstain


@pytest.mark.parametrize(
    ("question", "present"),
    [
        ("Saat ini ekonomi digital menyumbang berapa persen PDB?", True),
        ("Sekarang Vietnam ada di peringkat berapa?", True),
        ("How many AI startups does Vietnam have right now?", True),
        ("Hiện nay Việt Nam đứng thứ mấy?", True),
        ("Berapa target ekonomi digital pada 2030?", False),
        ("Kapan AVSTC dibuka?", False),
    ],
)
def test_questions_about_how_things_stand_now(question: str, present: bool) -> None:
    assert asks_present(question) is present


@pytest.mark.parametrize(
    ("sentence", "goal_only"),
    [
        ("Pada tahun 2030, Vietnam akan menjadi salah satu dari 3 negara teratas di Asia Tenggara.", True),
        ("Vietnam menargetkan ekonomi digital 50% dari PDB.", True),
        # a purpose is no goal for a year to come
        ("UNICEF mengganti nama bidang TIK agar lebih mencerminkan tujuan dampak nyata.", False),
        ("Saat ini ekonomi digital menyumbang 18% PDB, dan targetnya 30% pada 2030.", False),
        ("AVSTC dibuka pada 11 Juni 2025 dengan dana AUD 2,1 juta.", False),
    ],
)
def test_sentences_that_give_only_a_goal(sentence: str, goal_only: bool) -> None:
    assert states_only_goal(sentence) is goal_only


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("How many AI research papers did Vietnam publish last year?", True),
        ("Berapa publikasi AI yang terbit tahun lalu?", True),
        ("Năm ngoái Việt Nam công bố bao nhiêu bài báo về AI?", True),
        ("Tahun ini ada berapa peserta pelatihan?", True),
        ("How many AI research papers has Vietnam published?", False),  # no period asked
        ("What did Vietnam publish last year?", False),  # not a count
        ("Kapan pusat itu dibuka tahun lalu?", False),  # a date: the date checks answer it
    ],
)
def test_questions_that_ask_a_count_for_a_period(question: str, asks: bool) -> None:
    assert asks_count_in_period(question) is asks


@pytest.mark.parametrize(
    ("question", "windows", "other"),
    [
        # the cited sentence gives the figure for another year than the one asked
        ("target kontribusi ekonomi digital terhadap PDB Vietnam untuk tahun 2030 berapa persen?",
         ["Visi Vietnam 2045 berkontribusi sebesar 50% terhadap PDB."], True),
        ("How many percent of GDP should the digital economy be in 2030?",
         ["By 2045 the digital economy contributes 50% of GDP."], True),
        # the asked year is there, or no year is given at all: the other checks judge it
        ("Berapa persen PDB pada 2045?", ["Visi Vietnam 2045 berkontribusi sebesar 50% bagi PDB."], False),
        ("Berapa persen PDB pada 2030?", ["Ekonomi digital berkontribusi sebesar 50% terhadap PDB."], False),
        # not a count, or no year in the question
        ("Apa visi Vietnam untuk 2030?", ["Visi Vietnam 2045 adalah menjadi negara maju."], False),
        ("Berapa persen PDB dari ekonomi digital?", ["Visi Vietnam 2045 berkontribusi sebesar 50%."], False),
        ("Kapan target 2030 ditetapkan?", ["Target itu ditetapkan pada 2021."], False),
    ],
)  # fmt: skip
def test_a_count_asked_for_one_year_is_not_answered_by_another(
    question: str, windows: list[str], other: bool
) -> None:
    assert count_for_other_year(question, windows) is other


@pytest.mark.parametrize(
    ("sentence", "dated"),
    [
        ("Dengan lebih dari 4.000 publikasi ilmiah tentang AI, Vietnam memasuki fase baru.", False),
        ("Pada tahun 2024, Vietnam menerbitkan 4.000 publikasi.", True),
        ("Agustus lalu, Majelis Umum mengesahkan resolusi.", True),
        ("Tahun lalu, hampir 4.100 kader dilatih.", True),
        ("Program ini melatih 1.000 orang per tahun.", True),
    ],
)
def test_sentences_that_date_what_they_count(sentence: str, dated: bool) -> None:
    assert states_period(sentence) is dated


@pytest.mark.parametrize(
    ("question", "answer", "deputy_only"),
    [
        ("siapa menteri pendidikan?", "Wakil Menteri Pendidikan Nguyen Van Phuc hadir.", True),
        ("Who is the minister of education?", "The Deputy Minister of Education is Nguyen Van Phuc.", True),
        ("Bộ trưởng Giáo dục là ai?", "Thứ trưởng Giáo dục Nguyễn Văn Phúc.", True),
        # the question asks for the deputy, or the answer names the head too
        ("siapa wakil menteri pendidikan?", "Wakil Menteri Pendidikan Nguyen Van Phuc hadir.", False),
        (
            "Siapa Menteri Sains?",
            "Menteri Sains Nguyen Manh Hung dan Wakil Menteri Bui The Duy hadir.",
            False,
        ),
        # not a "who" question
        ("Apa kata menteri?", "Wakil Menteri berkata AI penting.", False),
    ],
)
def test_a_deputy_does_not_answer_who_holds_the_post(question: str, answer: str, deputy_only: bool) -> None:
    assert names_only_deputy(question, answer) is deputy_only


HUNG = (
    "Pada 4 Agustus, Menteri Informasi dan Komunikasi Laos Boviengkham Vongdara berdiskusi dengan"
    " Menteri Sains dan Teknologi Vietnam Nguyen Manh Hung."
)
PHUC = "Wakil Menteri Pendidikan dan Pelatihan Nguyen Van Phuc menekankan kerja sama tiga pihak."


@pytest.mark.parametrize(
    ("question", "lang", "answer", "window", "other"),
    [
        # the source titles the name with another ministry
        (
            "Who is Vietnam's minister of education and training?",
            "en",
            "The minister is Nguyen Manh Hung.",
            HUNG,
            True,
        ),
        (
            "Who heads Vietnam's Ministry of Education and Training?",
            "en",
            "It is Nguyen Manh Hung.",
            HUNG,
            True,
        ),
        (
            "siapa menteri pendidikan vietnam?",
            "id",
            "Menteri pendidikan Vietnam adalah Nguyen Manh Hung.",
            HUNG,
            True,
        ),
        ("Bộ trưởng Bộ Giáo dục và Đào tạo là ai?", "vi", "Nguyễn Mạnh Hùng.", HUNG, True),
        # ... or as a deputy, while the question asks for the head
        ("Bộ trưởng Bộ Giáo dục và Đào tạo là ai?", "vi", "Nguyễn Văn Phúc.", PHUC, True),
        # a name the answer shortens is found by its last word
        (
            "Bộ trưởng Bộ Khoa học và Công nghệ là ai?",
            "vi",
            "Là Nguyễn Quynh.",
            "Direktur Departemen Hukum Nguyen Nhu Quynh berbicara.",
            True,
        ),
        # a title written after the name, between commas
        (
            "Bộ trưởng Bộ Khoa học và Công nghệ là ai?",
            "vi",
            "Là Nguyễn Quynh.",
            "Menurut Ibu Nguyen Nhu Quynh, Direktur Departemen Hukum, AI penting.",
            True,
        ),
        # the answer's own title ("Direktur Departemen Hukum") or a bare "Menteri" tells nothing
        (
            "Bộ trưởng Bộ Khoa học và Công nghệ là ai?",
            "vi",
            "Là Nguyễn Quynh, Direktur Departemen Hukum.",
            "Direktur Departemen Hukum Nguyen Nhu Quynh berbicara.",
            True,
        ),
        (
            "Who is the minister of education?",
            "en",
            "Nguyen Manh Hung.",
            "Menteri Nguyen Manh Hung. " + HUNG,
            True,
        ),
        (
            "Who is the minister of education?",
            "en",
            "Nguyen Manh Hung.",
            "Menteri Nguyen Manh Hung hadir.",
            False,
        ),
        # the post asked for
        (
            "Who is Vietnam's minister of science and technology?",
            "en",
            "It is Nguyen Manh Hung.",
            HUNG,
            False,
        ),
        (
            "Who is the minister of information and communications of Laos?",
            "en",
            "Boviengkham Vongdara.",
            HUNG,
            False,
        ),
        ("siapa wakil menteri pendidikan?", "id", "Nguyen Van Phuc.", PHUC, False),
        # the question names no field for the post, or the field comes after "who": "spoke about education"
        ("Which minister met the Laos delegation?", "en", "Nguyen Manh Hung met them.", HUNG, False),
        ("Who is the minister who spoke about education?", "en", "Nguyen Manh Hung.", HUNG, False),
        # the window gives the name no title, or the question asks for no person
        ("Who is the minister of education?", "en", "Nguyen Manh Hung.", "Nguyen Manh Hung hadir.", False),
        ("What did the minister of education say?", "en", "Nguyen Manh Hung spoke.", HUNG, False),
    ],
)
def test_a_name_titled_with_another_post_does_not_answer(
    question: str, lang: str, answer: str, window: str, other: bool
) -> None:
    assert holds_other_post(question, lang, answer, [window]) is other


KOREA = "Duta Besar Korea untuk Vietnam, Choi Young Sam, mengatakan bahwa Korea adalah mitra."
EU = "Duta Besar Uni Eropa untuk Vietnam, Julien Guerrier, menyambut kerja sama itu."


@pytest.mark.parametrize(
    ("question", "lang", "window", "reversed_"),
    [
        # the same two countries the other way round are another post
        ("Siapa duta besar Vietnam untuk Korea Selatan?", "id", KOREA, True),
        ("Who is Vietnam's ambassador to South Korea?", "en", KOREA, True),
        ("Đại sứ Việt Nam tại Hàn Quốc là ai?", "vi", KOREA, True),
        ("Who is the ambassador of Vietnam to the EU?", "en", EU, True),
        ("Ai là Đại sứ Việt Nam tại Liên minh châu Âu?", "vi", EU, True),
        # one country of the question, the other not: still not the post asked for
        ("Siapa duta besar Vietnam untuk Australia?", "id", KOREA, True),
        # the post asked for
        ("Siapa dubes Korea untuk Vietnam yang hadir?", "id", KOREA, False),
        ("Who is the Korean ambassador to Vietnam?", "en", KOREA, False),
        ("Đại sứ Hàn Quốc tại Việt Nam là ai?", "vi", KOREA, False),
        ("Who is the EU ambassador to Vietnam?", "en", EU, False),
        # no direction asked, no title in the source, or no country shared: nothing to tell
        ("Siapa duta besar Korea?", "id", KOREA, False),
        ("Siapa duta besar Vietnam untuk Korea Selatan?", "id", "Choi Young Sam hadir di Hanoi.", False),
        ("Siapa duta besar Jepang untuk Laos?", "id", KOREA, False),
        ("Apa kata duta besar Vietnam untuk Korea Selatan?", "id", KOREA, False),  # not a "who" question
    ],
)  # fmt: skip
def test_an_ambassador_going_the_other_way_does_not_answer(
    question: str, lang: str, window: str, reversed_: bool
) -> None:
    assert envoy_reversed(question, lang, [window]) is reversed_


SEED = "Pada upacara itu, delapan proyek senilai 400.000 AUD diumumkan. Target pendanaan adalah riset."


@pytest.mark.parametrize(
    ("question", "sentences", "sources", "new"),
    [
        # a copied sentence's first word, and a currency, name no one
        ("Siapa penerima proyek AVSTC?", [SEED.split(". ")[0]], [SEED], False),
        ("Siapa penerima proyek AVSTC?", ["Target pendanaan adalah riset."], [SEED], False),
        # a name the source writes inside a sentence, even when the answer starts with it
        (
            "Siapa yang membuka pusat?",
            ["Qualcomm membuka pusat itu."],
            ["Pada 2020, Qualcomm membuka pusat."],
            True,
        ),
        # without sources (an answer in another language) the answer's own capitals count
        ("Who opened the centre?", ["Qualcomm opened it."], [], True),
        ("Who opened the centre?", ["It was opened in 2020."], [], False),
        # the articles' word for a name the question gives in its own language is no new name
        ("Trung tâm Úc do đơn vị nào chủ trì?", ["Trung tâm do đơn vị Australia chủ trì."], [], False),
        ("Trung tâm Úc do đơn vị nào chủ trì?", ["Trung tâm do PTIT và UTS chủ trì."], [], True),
        ("Which unit of the Australian centre leads it?", ["The Australia centre leads it."], [], False),
    ],
)
def test_names_something_new(question: str, sentences: list[str], sources: list[str], new: bool) -> None:
    assert names_something_new(question, sentences, sources) is new


@pytest.mark.parametrize(
    ("question", "weighs", "per_unit"),
    [
        ("Dana awal AVSTC sama nilai proyek seed funding, gedean mana? brp masing2?", True, False),
        (
            "Mana yang lebih lama: kemitraan UNICEF atau kerja sama Laos? Berapa tahun masing-masing?",
            True,
            False,
        ),
        ("Which opened first, Qualcomm's centre or AVSTC, and on what dates?", True, False),
        ("Tỉnh nào đào tạo nhiều cán bộ hơn, và mỗi tỉnh bao nhiêu người?", True, False),
        # "each" of one kind of thing asks a figure per unit
        ("Berapa dana yang diterima masing-masing proyek?", False, True),
        ("How much does each project get?", False, True),
        ("Lembaga mana yang mendanai AVSTC?", False, False),
    ],
)
def test_questions_that_weigh_things_against_each_other(question: str, weighs: bool, per_unit: bool) -> None:
    # their "masing-masing" / "each" asks for the figure of each side, not a figure per unit
    assert compares(question) is weighs
    assert asks_per_unit(question) is per_unit
