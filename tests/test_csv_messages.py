"""What a file that cannot be read as a CSV is told: each message says what to do
(a tester's import of a 5 MB value, an image, and a UTF-8 file saved again by a Windows
program: none of them said how to fix the file)."""

from __future__ import annotations

import codecs

import pytest

from bwc_desk.adapters.csvfile import parse_csv
from bwc_desk.domain.errors import ValidationError

KNOWN = ("badge", "last_name", "first_name")


def test_a_value_too_long_to_be_a_cell_says_what_to_look_for():
    data = ("badge,last_name\n0412," + "x" * 200_000 + "\n").encode()
    table = parse_csv(data, "o.csv", KNOWN, ("badge",))
    (_line, row), = table.rows
    problem = row["__error__"]
    assert "longer than 131,072 characters" in problem
    assert "quote" in problem  # (the usual cause: one left open)


def test_a_file_of_binary_data_is_told_how_to_save_a_csv():
    with pytest.raises(ValidationError) as caught:
        parse_csv(b"\x89PNG\r\n\x1a\n\x00\x00", "photo.csv", KNOWN, ("badge",))
    assert "binary" in str(caught.value) and "CSV UTF-8" in str(caught.value)


def test_a_utf8_byte_order_mark_before_windows_text_is_not_part_of_the_first_column():
    data = codecs.BOM_UTF8 + "badge,last_name\n0412,M\xfcller\n".encode("cp1252")
    table = parse_csv(data, "o.csv", KNOWN, ("badge",))
    assert table.headers[0] == "badge"
    (_line, row), = table.rows
    assert row["last_name"] == "M\xfcller"
