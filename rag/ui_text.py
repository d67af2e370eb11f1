"""Interface texts of the app in Bahasa Indonesia and English, and the example questions."""

from __future__ import annotations

UI_LANGS = {"Bahasa Indonesia": "id", "English": "en"}
DEFAULT_UI_LANG = "id"
# One click away on the chat tab: (language tag, question), answerable from the bundled articles.
EXAMPLES = (
    ("ID", "Berapa dana awal yang disediakan Australia untuk AVSTC?"),
    ("ID", "Apa target Vietnam untuk tahun 2045?"),
    ("EN", "Which US company opened a new AI R&D centre in Vietnam in June?"),
    ("VI", "Ai là Đại sứ Hàn Quốc tại Việt Nam?"),
)
# Interface texts: key -> (Indonesian, English).
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Tanya Jawab Kebijakan AI Vietnam", "Vietnam AI Policy Q&A"),
    "subtitle": (
        "Jawaban singkat dari berita berbahasa Indonesia, dengan sumber yang dapat diklik.",
        "Short answers from Indonesian news articles, with clickable sources.",
    ),
    "tab_chat": ("Tanya jawab", "Ask"),
    "tab_articles": ("Artikel", "Articles"),
    "tab_eval": ("Evaluasi", "Evaluation"),
    "question": ("Pertanyaan", "Question"),
    "placeholder": (
        "Tulis pertanyaan (Indonesia, English, Tiếng Việt)…",
        "Type a question (Indonesian, English, Vietnamese)…",
    ),
    "send": ("Kirim", "Send"),
    "clear": ("Percakapan baru", "New conversation"),
    "examples": ("Contoh pertanyaan", "Example questions"),
    "empty_hint": ("Tulis pertanyaan terlebih dahulu.", "Type a question first."),
    "sources": ("Sumber", "Sources"),
    "open_source": ("Buka artikel asli", "Open original article"),
    "passage": ("Kutipan", "Passage"),
    "abstain_title": ("Tidak ditemukan dalam artikel", "Not found in the articles"),
    "abstain_hint": (
        "Coba tanyakan dengan kata lain, atau lihat tab Artikel untuk topik yang tersedia.",
        "Try other words, or see the Articles tab for the topics covered.",
    ),
    "error_title": ("Jawaban gagal dibuat", "The answer could not be made"),
    "error_hint": (
        "Aplikasi tetap berjalan; silakan coba lagi.",
        "The app is still running; please try again.",
    ),
    "thinking": ("Mencari di artikel…", "Searching the articles…"),
    "trace": ("Bagaimana jawaban ini dibuat", "How this answer was made"),
    "trace_empty": (
        "Ajukan pertanyaan untuk melihat prosesnya.",
        "Ask a question to see how it is answered.",
    ),
    "feedback_prompt": (
        "Nilai jawaban dengan tombol jempol di bawahnya; lalu komentar bisa ditambahkan.",
        "Rate an answer with the thumbs below it; you can then add a comment.",
    ),
    "comment": ("Komentar untuk jawaban yang dinilai", "Comment on the rated answer"),
    "send_comment": ("Kirim komentar", "Send comment"),
    "export": ("Unduh umpan balik (CSV)", "Download feedback (CSV)"),
    "thanks": ("Terima kasih, penilaian disimpan.", "Thank you, your rating is saved."),
    "comment_saved": ("Komentar disimpan.", "Comment saved."),
    "rate_first": (
        "Nilai sebuah jawaban dengan tombol jempol dulu.",
        "Rate an answer with the thumbs first.",
    ),
    "not_rateable": ("Hanya jawaban yang dapat dinilai.", "Only answers can be rated."),
    "status_loading": ("Memuat model…", "Loading models…"),
    "status_ready": ("Siap", "Ready"),
    "articles_n": ("artikel", "articles"),
    "articles_list": ("Artikel dalam indeks", "Indexed articles"),
    "view_article": ("Lihat artikel", "View an article"),
    "add_heading": ("Tambah artikel", "Add an article"),
    "add_name": ("Judul atau nama file", "Title or file name"),
    "add_url": ("URL sumber (opsional)", "Source URL (optional)"),
    "add_text": ("Teks artikel", "Article text"),
    "add_file": ("…atau unggah file .txt / .md", "…or upload a .txt / .md file"),
    "add_button": ("Tambahkan ke indeks", "Add to the index"),
    "add_need_text": (
        "Tempel teks artikel atau pilih file .txt / .md.",
        "Paste the article's text or choose a .txt / .md file.",
    ),
    "add_need_name": (
        "Isi judul atau nama file untuk teks yang ditempel.",
        "Give a title or file name for the pasted text.",
    ),
    "added": (
        "Artikel '{doc_id}' ditambahkan ({chunks} potongan baru, {total} potongan di indeks). "
        "Pertanyaan baru langsung memakainya.",
        "Article '{doc_id}' added ({chunks} new chunks, {total} chunks in the index). "
        "New questions use it at once.",
    ),
    "eval_heading": ("Jalankan set evaluasi", "Run an eval set"),
    "eval_dataset": ("Set evaluasi", "Eval set"),
    "eval_bundled": ("evals/dev.jsonl (bawaan)", "evals/dev.jsonl (bundled)"),
    "eval_upload": ("Unggah JSONL (skema yang sama)", "Upload a JSONL (same schema)"),
    "eval_file": ("File JSONL", "JSONL file"),
    "eval_kind": ("Jenis evaluasi", "Kind of run"),
    "eval_fast": ("Hanya pencarian (cepat)", "Retrieval only (fast)"),
    "eval_full": ("Jawaban lengkap (lambat)", "Full answers (slow)"),
    "eval_mode": ("Mode pencarian", "Retrieval mode"),
    "eval_run": ("Jalankan evaluasi", "Run the eval"),
    "eval_need_file": ("Unggah file JSONL terlebih dahulu.", "Upload a JSONL file first."),
    "eval_done": ("Selesai: {n} pertanyaan dalam {s:.1f} detik.", "Done: {n} questions in {s:.1f} s."),
    "eval_answering": ("Menjawab pertanyaan", "Answering questions"),
    "eval_searching": ("Mengukur pencarian…", "Measuring retrieval…"),
    "eval_counts": (
        "<b>{n}</b> pertanyaan, <b>{a}</b> bisa dijawab.",
        "<b>{n}</b> questions, <b>{a}</b> answerable.",
    ),
    "eval_answers": ("Jawaban", "Answers"),
    "eval_latency": ("Latensi (detik)", "Latency (s)"),
    "eval_retrieval": ("Pencarian (mode utama: {mode})", "Retrieval (main mode: {mode})"),
    "download_report": ("Unduh report.html", "Download report.html"),
    "download_questions": ("Unduh questions.jsonl", "Download questions.jsonl"),
}
LABELS = {lang: {key: pair[i] for key, pair in TEXTS.items()} for i, lang in enumerate(("id", "en"))}
