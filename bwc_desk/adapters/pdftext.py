"""A minimal PDF writer: lines of monospaced text on A4 landscape pages, no Qt.

For exports made below the UI (the command line, a service): the custody history as a
document a person reads. Courier in the PDF's standard 14 fonts needs no embedding; text
outside Windows-1252 (WinAnsi) is written as '?' (the CSV beside it holds every character exactly).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bwc_desk.adapters.staged import chosen
from bwc_desk.domain.errors import ValidationError

PAGE_W, PAGE_H = 842, 595  # A4 landscape, points
MARGIN = 36
FONT_SIZE = 7.5
LEADING = 9.5
LINES_PER_PAGE = int((PAGE_H - 2 * MARGIN) / LEADING)
CHARS_PER_LINE = int((PAGE_W - 2 * MARGIN) / (FONT_SIZE * 0.6))


def escape(line: str) -> bytes:
    raw = line.encode("cp1252", errors="replace")  # the font's WinAnsiEncoding
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def wrap(lines: Sequence[str], width: int = CHARS_PER_LINE) -> list[str]:
    out: list[str] = []
    for line in lines:
        line = line.replace("\t", "    ").replace("\r", " ")
        while len(line) > width:
            out.append(line[:width])
            line = "    " + line[width:]
        out.append(line)
    return out


def pdf_bytes(lines: Sequence[str], title: str = "", footer: str = "") -> bytes:
    """``footer`` (the ledger's heads) is printed on every page above the title and page
    number."""
    wrapped = wrap(lines) or [""]
    pages = [wrapped[i : i + LINES_PER_PAGE] for i in range(0, len(wrapped), LINES_PER_PAGE)]
    objects: list[bytes] = []  # object n is objects[n - 1]
    objects.append(b"")  # 1: catalog, filled below
    objects.append(b"")  # 2: pages
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>"
    )
    page_ids: list[int] = []
    for number, page in enumerate(pages, start=1):
        body = [b"BT", b"/F1 %.1f Tf" % FONT_SIZE, b"%.1f TL" % LEADING,
                b"%d %d Td" % (MARGIN, PAGE_H - MARGIN)]
        for line in page:
            body.append(b"(" + escape(line) + b") '")
        body.append(b"ET")
        page_line = f"{title}  page {number} of {len(pages)}".strip()
        body += [b"BT", b"/F1 7 Tf", b"%d %d Td" % (MARGIN, MARGIN // 2),
                 b"(" + escape(page_line) + b") Tj", b"ET"]
        if footer:
            body += [b"BT", b"/F1 7 Tf", b"%d %d Td" % (MARGIN, MARGIN // 2 + 8),
                     b"(" + escape(footer) + b") Tj", b"ET"]
        stream = b"\n".join(body)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content_id = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % (PAGE_W, PAGE_H, content_id)
        )
        page_ids.append(len(objects))
    return pdf_file(objects, page_ids, title)


def pdf_file(objects: list[bytes], page_ids: list[int], title: str) -> bytes:
    """The file around numbered objects: objects 1 and 2 (left empty by the caller) become the
    catalog and the page tree of ``page_ids``, the title goes in the info dictionary, then
    the cross-reference table and the trailer."""
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects[1] = b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(page_ids)
    objects.append(b"<< /Title (" + escape(title) + b") /Producer (BWC Desk) >>")
    info_id = len(objects)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, info_id, xref)
    return bytes(out)

def write_pdf(path: Path, lines: Sequence[str], title: str = "", footer: str = "") -> None:
    try:
        path.write_bytes(pdf_bytes(lines, title, footer))
    except OSError as exc:
        raise ValidationError(f"Cannot write {chosen(path)}: {exc.strerror}. Choose a folder "
                              "you may write to, on a disk with room.") from None
