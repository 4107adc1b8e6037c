import codecs
import json
from datetime import date

import pytest

from assistant.errors import EmptyDocumentError, FileTooLargeError, IngestError, UnsupportedFormatError
from assistant.ingest import FileItem, discover, load_articles
from assistant.loaders import load_bytes, parse_date
from tests.pdfs import blank_pdf, text_pdf

MB = 2**20


def _load(tmp_path, name, data, max_bytes=20 * MB):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    [item] = list(discover([path]))
    return load_articles(item, max_bytes)


def test_txt_with_header_block_gives_metadata(tmp_path):
    out = _load(tmp_path, "a.txt", "Title: Border town falls\nSource: Wire\nDate: 9 November 2012\nURL: https://www.example.com/x\n\nRebels took the town.")
    [a] = out.articles
    assert (a.title, a.source, a.published, a.url) == ("Border town falls", "Wire", date(2012, 11, 9), "https://www.example.com/x")
    assert a.text == "Rebels took the town."


def test_txt_without_header_takes_title_from_file_name(tmp_path):
    [a] = _load(tmp_path, "syria-refugees_turkey.txt", "About 8000 refugees crossed into Turkey. More came later.").articles
    assert a.title == "Syria refugees turkey"
    assert a.source is None and a.published is None


def test_markdown_heading_is_the_title_and_syntax_is_stripped(tmp_path):
    [a] = _load(tmp_path, "n.md", "# Storm hits coast\n\nThe **storm** reached [the coast](http://x) on Monday.").articles
    assert a.title == "Storm hits coast"
    assert "The storm reached the coast on Monday." in a.text


def test_html_drops_script_and_navigation(tmp_path):
    html = """<html><head><title>Quake strikes - Example News</title><script>var secret = "alert(1)";</script></head>
    <body><nav><a href="/">Home</a> | <a href="/w">World</a></nav><article><h1>Quake strikes</h1>
    <p>A strong earthquake struck the region on Tuesday, officials said, damaging hundreds of buildings.</p>
    <p>Rescue teams worked through the night to reach people trapped under rubble in the old town.</p>
    <p>Share this article</p></article><footer>Cookie policy</footer></body></html>"""
    [a] = _load(tmp_path, "q.html", html).articles
    assert "earthquake struck the region" in a.text
    assert "secret" not in a.text and "alert" not in a.text
    assert "Share this article" not in a.text
    assert a.title.startswith("Quake strikes")


def test_json_list_and_object_records(tmp_path):
    records = [
        {"title": "One", "text": "First article body.", "source": "A", "published": "2020-01-02", "author": "X"},
        {"title": "Two", "body": "Second article body.", "date": "March 3, 2021"},
        {"title": "No text"},
    ]
    out = _load(tmp_path, "r.json", json.dumps(records))
    assert [a.title for a in out.articles] == ["One", "Two"]
    assert out.articles[0].published == date(2020, 1, 2) and out.articles[1].published == date(2021, 3, 3)
    assert out.errors == [(f"{tmp_path / 'r.json'}#2", "no text: the record needs one of the fields text, body, content")]
    single = _load(tmp_path, "s.json", json.dumps({"articles": [{"content": "Third body."}]}))
    assert single.articles[0].text == "Third body."


def test_jsonl_bad_line_is_reported_and_others_kept(tmp_path):
    lines = ['{"title": "A", "text": "Alpha text."}', "{not json", '{"title": "B", "text": 42}', '{"text": "Gamma text."}']
    out = _load(tmp_path, "r.jsonl", "\n".join(lines))
    assert [a.text for a in out.articles] == ["Alpha text.", "Gamma text."]
    assert [where.rsplit(":", 1)[1] for where, _ in out.errors] == ["2", "3"]
    assert "not valid JSON" in out.errors[0][1]


def test_pdf_text_layer_and_title(tmp_path):
    [a] = _load(tmp_path, "p.pdf", text_pdf(["Floods displaced 3,000 people on Sunday.", "Aid arrived Monday."], title="Floods")).articles
    assert "Floods displaced 3,000 people on Sunday." in a.text
    assert a.title == "Floods"


def test_pdf_without_text_layer_says_to_ocr(tmp_path):
    with pytest.raises(EmptyDocumentError, match="no text layer"):
        _load(tmp_path, "scan.pdf", blank_pdf())


def test_truncated_pdf_is_a_clear_error(tmp_path):
    with pytest.raises(IngestError, match="PDF"):
        _load(tmp_path, "bad.pdf", text_pdf(["x"])[:60])


@pytest.mark.parametrize("data", [b"", b"   \n\t  \n"])
def test_empty_and_whitespace_files(tmp_path, data):
    with pytest.raises(EmptyDocumentError):
        _load(tmp_path, "e.txt", data)


def test_binary_file_named_txt(tmp_path):
    with pytest.raises(IngestError, match="binary"):
        _load(tmp_path, "b.txt", bytes(range(256)) * 10)


@pytest.mark.parametrize(
    "encoded",
    [
        "Café Zürich: prices rose 5% in Sevilla, señor.".encode("latin-1"),
        codecs.BOM_UTF16_LE + "Café Zürich: prices rose 5% in Sevilla, señor.".encode("utf-16-le"),
        codecs.BOM_UTF8 + "Café Zürich: prices rose 5% in Sevilla, señor.".encode("utf-8"),
    ],
    ids=["latin-1", "utf-16-bom", "utf-8-bom"],
)
def test_non_utf8_encodings(tmp_path, encoded):
    [a] = _load(tmp_path, "enc.txt", encoded).articles
    assert a.text == "Café Zürich: prices rose 5% in Sevilla, señor."


def test_file_over_the_size_limit_names_the_limit(tmp_path):
    path = tmp_path / "big.txt"
    with open(path, "wb") as fh:  # 50 MB of text
        fh.write(b"All work and no play makes a dull day. " * (50 * MB // 39))
    [item] = list(discover([path]))
    with pytest.raises(FileTooLargeError, match=r"over the 20 MB limit .*ASSISTANT_MAX_FILE_MB"):
        load_articles(item, 20 * MB)


def test_unknown_extension_and_missing_path(tmp_path):
    (tmp_path / "x.docx").write_bytes(b"PK")
    items = list(discover([tmp_path / "x.docx", tmp_path / "nope"]))
    assert "unsupported file type .docx" in items[0].problem
    assert items[1].missing and "no such file" in items[1].problem
    with pytest.raises(UnsupportedFormatError):
        load_bytes("x.docx", b"data", ".docx")


def test_discover_walks_folders_recursively_and_skips_hidden(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "one.txt").write_text("x")
    (tmp_path / "two.md").write_text("y")
    (tmp_path / ".hidden.txt").write_text("z")
    found = sorted(item.path for item in discover([tmp_path]))
    assert found == sorted([str(tmp_path / "a" / "b" / "one.txt"), str(tmp_path / "two.md")])


def test_parse_date_variants():
    assert parse_date("2012-11-09T10:00:00Z") == date(2012, 11, 9)
    assert parse_date("Nov 9, 2012") == date(2012, 11, 9)
    assert parse_date("not a date at all") is None
    assert parse_date(None) is None


def test_file_item_for_unreadable_type_is_not_loaded(tmp_path):
    item = FileItem(str(tmp_path / "x"), problem="nope")
    assert item.problem == "nope"
