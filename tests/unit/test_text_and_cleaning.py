from assistant.chunking import chunk_article, sentences
from assistant.cleaning import clean_text, is_junk_line
from assistant.ingest import article_id
from assistant.models import Article
from assistant.textutil import numbers, sentence_spans, terms


def test_numbers_are_canonical_and_keep_thousands_separators_together():
    assert numbers("more than 120,000 refugees, 8000 crossed; 10.4 billion in 2021 (50%)") == [
        "120000", "8000", "10.4", "2021", "50",
    ]
    assert numbers("no digits here") == []


def test_sentence_spans_point_into_the_text_and_respect_abbreviations():
    text = "Mr. Assad spoke. Dr. Smith left at 5 p.m. on Friday.\nHeadline without period\nLast one!"
    spans = sentence_spans(text)
    pieces = [text[s:e] for s, e in spans]
    assert pieces[0] == "Mr. Assad spoke."
    assert pieces[1].startswith("Dr. Smith left")
    assert "Headline without period" in pieces
    assert pieces[-1] == "Last one!"


def test_terms_drop_stopwords_and_stem():
    assert terms("How many refugees does Turkey shelter?") == ["refuge", "turkey", "shelter"]


def test_junk_lines_are_removed_and_article_sentences_kept():
    raw = (
        "Skip to main content\nHome | World | Business | Sport\nRebels took the town on Thursday.\n\n"
        "Loading article content\nADVERTISEMENT\nShare this article\nWe use cookies to improve your experience.\n"
        "Turkey already shelters more than 120,000 Syrian refugees.\nRead more\n"
    )
    cleaned = clean_text(raw)
    assert cleaned == "Rebels took the town on Thursday.\n\nTurkey already shelters more than 120,000 Syrian refugees."
    assert is_junk_line("Share on Facebook")
    assert not is_junk_line("Share prices fell 3% on Monday after the report.")


def test_clean_normalises_unicode_and_whitespace():
    assert clean_text("Cafe\u0301\u200b  prices\r\nrose\u00a0 sharply") == "Caf\u00e9 prices\nrose sharply"


def test_lines_repeated_four_times_are_navigation():
    text = "World news\nFirst sentence of the story.\nWorld news\nSecond sentence.\nWorld news\nWorld news"
    assert clean_text(text) == "First sentence of the story.\nSecond sentence."
    three = "Key point\nFirst.\nKey point\nSecond.\nKey point"
    assert clean_text(three) == three


def test_table_rows_are_not_menus_and_other_scripts_keep_their_letters():
    table = "| Pos | Driver | Points |\n| 1 | Kyle Busch | 5040 |"
    assert clean_text(table) == table
    arabic = "\ufee3\ufea3\ufee4\ufeaa"  # presentation forms stay as written (NFC, not NFKC)
    assert clean_text(arabic) == arabic
    assert clean_text("ﬁnal\u200cword") == "final\u200cword"


def test_article_id_ignores_case_and_whitespace():
    assert article_id("Hello  World.\n") == article_id("hello world.")
    assert article_id("Hello World.") != article_id("Hello World!")


def _article(text: str) -> Article:
    return Article(id=article_id(text), title="t", text=text)


def test_chunks_and_sentences_keep_offsets_into_article_text():
    text = " ".join(f"Sentence number {i} talks about topic {i % 7} in some detail." for i in range(80))
    article = _article(text)
    chunks = chunk_article(article, chunk_size=300, overlap=1)
    assert len(chunks) > 5
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 300
        for span in sentences(chunk.text, offset=chunk.start):
            assert article.text[span.start : span.end] == span.text
    # overlap: each chunk starts with the last sentence of the previous one
    assert chunks[1].start < chunks[0].end
    assert chunks[-1].end == len(text)


def test_a_sentence_longer_than_a_chunk_is_cut_at_spaces():
    text = "word " * 1000
    article = _article(text.strip())
    chunks = chunk_article(article, chunk_size=500)
    assert all(len(c.text) <= 500 for c in chunks)
    assert all(article.text[c.start : c.end] == c.text for c in chunks)


def test_number_questions_accept_year_like_quantities_but_not_dates():
    from assistant.question import analyze, answers_kind

    info = analyze("How many millimetres of rain did station 15 record?")
    assert answers_kind("Station 15 recorded 1672 millimetres of rain.", info)
    assert not answers_kind("Jul 21, 2020 ... Station 15 report.", info)
    assert not answers_kind("Station 15 was inspected on Monday.", info)
