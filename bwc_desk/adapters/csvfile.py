"""Reading the CSV files people make in Excel: BOM, CRLF, odd header spellings, Windows-1252."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bwc_desk.adapters.staged import chosen
from bwc_desk.domain.errors import ValidationError

MAX_FILE_BYTES = 200 * 1024 * 1024
SHOWN_CHARS = 80


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """A value from the file, as echoed in a message: at most ``limit`` characters, so that a
    cell of junk (a pasted document, a binary blob) does not bury the message."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def normalize_header(name: str) -> str:
    """'  Asset Tag ' -> 'asset_tag': case and surrounding spaces ignored, inner spaces as _."""
    return "_".join(name.strip().lower().replace("-", " ").split())


@dataclass
class CsvTable:
    """A CSV file read into memory: data rows keyed by our field names, with line numbers."""

    path: str
    headers: list[str]  # as written in the file
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","


# The separators Excel writes: comma; semicolon where the comma is the decimal mark (much of
# Europe, Latin America); tab for 'Unicode text'. First is preferred when they read alike.
SEPARATORS: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab"}
SAVE_AS_CSV = (
    "in Excel, save it with File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'"
)


def decode(data: bytes) -> tuple[str, str]:
    """UTF-16 with its byte-order mark (Excel's 'Unicode text'), UTF-8 (with or without BOM)
    or, failing that, Windows-1252 (Excel's 'CSV' on Windows)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ValidationError(
                "The file starts as UTF-16 text but is not valid UTF-16; save it again as "
                "'CSV UTF-8'."
            ) from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # (A UTF-8 file saved again by a Windows program keeps its byte-order mark: not
        # part of the first column's name.)
        return data.removeprefix(codecs.BOM_UTF8).decode("cp1252", errors="replace"), (
            "windows-1252"
        )


def read_csv(
    path: Path | str,
    known: Sequence[str],
    required: Sequence[str],
    mapping: Mapping[str, str] | None = None,
) -> CsvTable:
    """Read a CSV file. ``mapping`` maps our field names to the file's headers when they
    differ; otherwise headers are matched case-insensitively. Missing required columns raise
    ValidationError naming them; unknown columns are ignored with a warning."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValidationError(f"{path.name} is larger than 200 MB; split it into parts.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"There is no file {path}.") from None
    except IsADirectoryError:
        raise ValidationError(f"{path} is a folder, not a CSV file.") from None
    except PermissionError:
        raise ValidationError(
            f"BWC Desk may not read {path}; check the file's permissions."
        ) from None
    return parse_csv(data, str(path), known, required, mapping)


def parse_csv(
    data: bytes,
    name: str,
    known: Sequence[str],
    required: Sequence[str],
    mapping: Mapping[str, str] | None = None,
) -> CsvTable:
    text, encoding = decode(data)
    if not text.strip():
        raise ValidationError(f"{name} is empty: the first line must name the columns.")
    if "\x00" in text:
        raise ValidationError(
            f"{name} is not a text CSV file (it contains binary data): choose the CSV file, or "
            f"{SAVE_AS_CSV}."
        )
    delimiter = sniff_delimiter(text, [*known, *(v for v in (mapping or {}).values() if v)])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except csv.Error as exc:
        raise ValidationError(f"line 1: {_csv_problem(exc)}") from None
    table = CsvTable(name, headers, encoding=encoding, delimiter=delimiter)
    if encoding == "windows-1252":
        table.warnings.append(
            f"{name} is not UTF-8; it was read as Windows-1252. Check accented names, or save "
            "it as 'CSV UTF-8' next time."
        )
    if delimiter != ",":
        table.warnings.append(read_as(delimiter))
    column_of = _columns(headers, known, mapping, table.warnings)
    missing = [f for f in required if f not in column_of]
    if missing:
        raise ValidationError(
            f"line 1: the header has no column {', '.join(missing)} "
            f"(found: {shown(', '.join(h.strip() for h in headers)) or 'nothing'}"
            f"{'; ' + read_as(delimiter) if delimiter != ',' else ''})"
            + other_separator(headers, known)
        )
    # A row may end early only after the last column read (an unmapped optional column left
    # off); a cell of a column read missing would blank it.
    last_read = max(column_of.values(), default=-1)
    line = 1
    try:
        for raw in reader:
            start = line + 1
            line = reader.line_num
            if not any(cell.strip() for cell in raw):
                continue  # blank lines (Excel leaves them at the end)
            if len(raw) > len(headers) and any(c.strip() for c in raw[len(headers) :]):
                table.rows.append(
                    (
                        start,
                        {
                            "__error__": (
                                f"has {len(raw)} cells but the header has {len(headers)} columns "
                                f"(a {SEPARATORS[delimiter]} inside a value needs quotes)"
                            )
                        },
                    )
                )
                continue
            if len(raw) <= last_read:
                # A line cut short (a paste, an editor) would blank the columns it lacks: a
                # camera's model, its officer (a tester's "1 updated" that wiped both).
                table.rows.append(
                    (
                        start,
                        {
                            "__error__": (
                                f"has {len(raw)} cells but the header has {len(headers)} columns "
                                f"({headers[len(raw)].strip() or 'a column'} and after are read: "
                                "a line cut short would blank the columns it lacks; write "
                                f"every cell, an empty one as nothing between two "
                                f"{SEPARATORS[delimiter]}s)"
                            )
                        },
                    )
                )
                continue
            row = {f: unescape_cell(raw[i]) for f, i in column_of.items()}
            table.rows.append((start, row))
    except csv.Error as exc:
        table.rows.append((line + 1, {"__error__": f"cannot be read as CSV: {_csv_problem(exc)}"}))
        return table
    last = table.rows[-1][0] if table.rows else 0
    if last and _ends_inside_a_quote(text, last, delimiter):  # (the last line too)
        table.rows[-1] = (table.rows[-1][0], {"__error__": UNTERMINATED})
    return table


UNTERMINATED = (
    "a quote (\") opens a value here and is never closed, so the rest of the file would be read "
    "as that one value; close the quote or remove it"
)


def _ends_inside_a_quote(text: str, start: int, delimiter: str = ",") -> bool:
    """Whether the row beginning on physical line ``start`` runs to the end of the file inside
    an open quote. Python's csv reader then hands back the rest of the file as one value
    (strict mode says only 'unexpected end of data'); this names it."""
    tail = "".join(text.splitlines(keepends=True)[start - 1 :])
    try:
        for _row in csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def read_as(delimiter: str) -> str:
    """The note that says how a file was split ('read as semicolon-separated (;)')."""
    shown_as = "" if delimiter == "\t" else f" ({delimiter})"
    return f"read as {SEPARATORS[delimiter]}-separated{shown_as}"


def sniff_delimiter(text: str, names: Iterable[str]) -> str:
    """The separator of the file, from its header line: the one that splits it into the most
    of ``names`` (our columns, and the file's own headers chosen in the columns panel), then
    into the most columns (a header under other names, still to be mapped); comma on a tie.
    Quotes are honoured (a quoted header may hold a separator) and a BOM is already gone."""
    wanted = {normalize_header(n) for n in names}
    best, best_score = ",", (-1, -1)
    for delimiter in SEPARATORS:
        try:
            cells = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        found = {normalize_header(c) for c in cells} & wanted
        score = (len(found), len(cells))
        if score > best_score:
            best, best_score = delimiter, score
    return best


_PUNCTUATION = re.compile(r"[^\w\s\-./#()'\"]")


def other_separator(headers: Sequence[str], known: Sequence[str]) -> str:
    """When the header is one column that is none of ours, the file is most likely split by
    a character we do not read ('|', ':'): say so, and how to write one we do."""
    if len(headers) != 1 or not _PUNCTUATION.search(headers[0]) or (
        normalize_header(headers[0]) in known
    ):
        return ""
    return (
        ". The header line reads as a single column, so the file seems to use a separator "
        f"other than comma, semicolon or tab: {SAVE_AS_CSV}, or choose comma as the "
        "separator in the program that wrote it"
    )


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"a value is longer than {csv.field_size_limit():,} characters: most often a quote "
            "(\") opened and never closed, so the lines after it were read as one value; "
            "close the quote or remove it"
        )
    return shown(text)


def _columns(
    headers: Sequence[str],
    known: Sequence[str],
    mapping: Mapping[str, str] | None,
    warnings: list[str],
) -> dict[str, int]:
    index_of: dict[str, int] = {}
    by_norm = {normalize_header(h): i for i, h in reversed(list(enumerate(headers)))}
    if mapping:
        for ours, theirs in mapping.items():
            if not theirs:
                continue
            i = by_norm.get(normalize_header(theirs))
            if i is None:
                raise ValidationError(
                    f"line 1: the file has no column {theirs!r} (chosen for {ours})"
                )
            index_of[ours] = i
    for f in known:
        if f not in index_of and f in by_norm and (not mapping or f not in mapping):
            index_of[f] = by_norm[f]
    seen = [normalize_header(h) for h in headers]
    dupes = sorted({h for h in seen if h and seen.count(h) > 1 and h in known})
    if dupes:
        raise ValidationError(f"line 1: the column {', '.join(dupes)} appears more than once")
    used = set(index_of.values())
    unknown = [h.strip() for i, h in enumerate(headers) if i not in used and h.strip()]
    if unknown:
        warnings.append(f"ignored unknown column(s): {', '.join(unknown)}")
    return index_of


# A cell that starts with one of these is a formula to Excel and LibreOffice, even quoted
# ("CSV injection": a reason typed as =HYPERLINK(...) would run on the auditor's PC).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A leading apostrophe of the value itself is escaped as well (doubled), or an import could not
# tell "'=1" typed by a clerk from "=1" escaped by us.
_ESCAPED_START = (*_FORMULA_START, "'")


def escape_cell(value: object) -> object:
    """What goes into an exported cell: text that a spreadsheet would take for a formula gets
    a leading apostrophe (spreadsheets show the text as is); ``unescape_cell`` undoes it."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_ESCAPED_START):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """A cell read back from one of our exports: the apostrophe ``escape_cell`` added goes."""
    if text.startswith("'") and text[1:].startswith(_ESCAPED_START):
        return text[1:]
    return text


def write_csv(path: Path | str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write UTF-8 with a byte-order mark (so Excel shows accents right); returns row count.
    Written to a temporary file first: a full disk never leaves half a file behind."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    n = 0
    try:
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            writer.writerow(headers)
            for row in rows:
                writer.writerow([escape_cell(v) for v in row])
                n += 1
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ValidationError(_unwritable(chosen(path), exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n


def _unwritable(path: Path, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return (
            f"Cannot write {path}: the folder {path.parent} does not exist. Choose another "
            "folder or create it first."
        )
    if isinstance(exc, PermissionError):
        return f"Cannot write {path}: permission denied. Choose a folder you may write to."
    if isinstance(exc, IsADirectoryError):
        return f"Cannot write {path}: it is a folder; give a file name."
    return (
        f"Cannot write {path}: {exc.strerror or exc}. Nothing was written; check the disk "
        "and try again."
    )


def iter_errors(table: CsvTable) -> Iterator[tuple[int, str]]:
    for line, row in table.rows:
        if "__error__" in row:
            yield line, row["__error__"]
