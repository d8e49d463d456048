"""Request bodies become the CSV files the importers read: rows keep their numbers, bad bytes their row."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest

from bot.api.body import MAX_LINE_BYTES, BadBody, CsvSink, NdjsonSink
from bot.importers.errors import CsvError

USAGE = ("external_id", "date", "value")


def ndjson(body: bytes, *, chunks: Sequence[int] = (), optional: Sequence[str] = ()) -> str:
    """The CSV an NDJSON body becomes, fed in pieces cut at `chunks` (byte offsets)."""
    out = io.StringIO()
    sink = NdjsonSink(out, file="the request", columns=USAGE, optional=optional)
    cuts = [0, *chunks, len(body)]
    for start, end in zip(cuts, cuts[1:], strict=False):
        sink.feed(body[start:end])
    sink.finish()
    return out.getvalue()


def test_each_json_line_becomes_the_csv_line_after_it_whatever_the_chunks() -> None:
    body = (
        b'\xef\xbb\xbf\n{"external_id": "A1", "date": "2026-12-01", "value": 12.5, "extra": 1}\r\n'
        b'\n{"value": 3, "date": "2026-12-02", "external_id": "A,2"}'
    )
    whole = ndjson(body)
    assert whole == 'external_id,date,value\n\nA1,2026-12-01,12.5\n\n"A,2",2026-12-02,3\n'
    assert ndjson(body, chunks=(1, 5, 40, 41, 70)) == whole


def test_an_optional_column_is_written_when_the_first_object_has_it() -> None:
    body = b'{"external_id": "A1", "date": "2026-12-01", "value": 1, "note": "x"}\n{"external_id": "A2"}\n'
    assert ndjson(body, optional=("note",)) == "external_id,date,value,note\nA1,2026-12-01,1,x\nA2,,,\n"
    assert ndjson(body[body.index(b"\n") + 1 :], optional=("note",)).startswith("external_id,date,value\n")


@pytest.mark.parametrize(
    ("line", "said"),
    [
        (b"{not json}", "not JSON"),
        (b"[1, 2]", "expected a JSON object, found an array"),
        (b'{"external_id": "\xff"}', "not UTF-8"),
    ],
)
def test_a_line_that_is_not_a_json_object_is_refused_by_its_row(line: bytes, said: str) -> None:
    with pytest.raises(BadBody) as refused:
        ndjson(b'{"external_id": "A1"}\n\n' + line + b"\n")
    assert refused.value.row == 3
    assert said in refused.value.message


@pytest.mark.parametrize(
    ("value", "said"),
    [(b'"two\\nlines"', "line break"), (b'{"n": 1}', "found an object"), (b"true", "found true or false")],
)
def test_a_value_that_cannot_be_a_cell_names_its_row_and_column(value: bytes, said: str) -> None:
    with pytest.raises(CsvError) as refused:
        ndjson(b'{"external_id": "A1"}\n{"external_id": "A2", "value": ' + value + b"}\n")
    assert (refused.value.line, refused.value.column, refused.value.column_name) == (3, 3, "value")
    assert said in refused.value.message


def test_an_empty_ndjson_body_is_bad_input() -> None:
    with pytest.raises(CsvError, match="empty body"):
        ndjson(b"\n\n")


def test_a_csv_body_passes_as_it_came_and_a_byte_that_is_not_utf8_names_its_row() -> None:
    out = io.BytesIO()
    sink = CsvSink(out)
    sink.feed(b"external_id,date,value\nA1,2026-12-01,1\nA\xc3")  # a character cut between chunks
    sink.feed(b"\xa9,2026-12-01,2\n")
    sink.finish()
    assert out.getvalue() == "external_id,date,value\nA1,2026-12-01,1\nA\u00e9,2026-12-01,2\n".encode()
    sink = CsvSink(io.BytesIO())
    sink.feed(b"external_id,date,value\nA1,2026-12-01,1\n")
    with pytest.raises(BadBody) as refused:
        sink.feed(b"A2,2026-12-01,2\nA\xff,2026-12-01,3\n")
    assert refused.value.row == 3


def test_a_line_too_long_to_be_a_row_is_refused_by_its_row_before_it_ends() -> None:
    with pytest.raises(BadBody) as refused:
        ndjson(b'{"external_id": "A1"}\n{"external_id": "' + b"x" * (MAX_LINE_BYTES + 1), chunks=(30, 1000))
    assert refused.value.row == 2
