"""Parsing and normalising the values people type, scan or import."""

from __future__ import annotations

import re
from datetime import date

from bwc_desk.domain.errors import ValidationError

_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")  # day.month.year (Europe)
_TRUE = {"yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0"}


def parse_date(text: str, field: str = "date") -> date | None:
    """ISO (2021-10-05), US (10/5/2021) or day.month.year (5.10.2021, as a European
    spreadsheet writes it); blank is None. A slash date that can only be day first
    (31/12/2021) is refused, saying how to write it: in the same file 05/01/2021 would
    silently be read as May 1."""
    text = text.strip()
    if not text:
        return None
    day_first: date | None = None
    try:
        if m := _ISO_DATE.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DOTTED_DATE.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _US_DATE.match(text):
            first, second, year = int(m[1]), int(m[2]), int(m[3])
            if first <= 12 or not 1 <= second <= 12:
                return date(year, first, second)
            day_first = date(year, second, first)
    except ValueError:
        raise ValidationError(f"{field} {text!r} is not a real date") from None
    if day_first is not None:
        raise ValidationError(
            f"{field} {text!r} is written day first: BWC Desk reads 10/5/2021 as October 5 "
            f"(month/day/year). Write it as {day_first.isoformat()} or "
            f"{day_first.day}.{day_first.month}.{day_first.year} (day.month.year)"
        )
    raise ValidationError(
        f"{field} {text!r} is not a date: write 2021-10-05, 10/5/2021 or 5.10.2021"
    )


def parse_bool(text: str, field: str = "value", default: bool | None = None) -> bool:
    value = text.strip().lower()
    if not value and default is not None:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValidationError(f"{field} {text!r} is not yes/no/true/false/1/0")


# Bidirectional embedding/override/isolate controls: "EVE\u202eNIMDA" shows as another name.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_BIDI = re.compile("[\x00-\x1f\u202a-\u202e\u2066-\u2069]")


def check_no_bidi(value: str, field: str) -> None:
    if _BIDI.search(value):
        raise ValidationError(
            f"{field} contains a text-direction control character (U+202A-U+202E or "
            "U+2066-U+2069), which can make one name look like another; type it again"
        )


def clean_text(text: str | None, field: str, *, required: bool = False, limit: int = 200) -> str:
    value = (text or "").strip()
    if required and not value:
        raise ValidationError(f"{field} is required")
    if len(value) > limit:
        raise ValidationError(f"{field} is longer than {limit} characters")
    if _CONTROL_OR_BIDI.search(value):  # one pass: imports clean millions of cells
        if any(ord(ch) < 32 for ch in value):
            raise ValidationError(f"{field} contains control characters")
        check_no_bidi(value, field)
    return value


# Invisible in a name and never meant there (pasted from a web page or a document): a
# zero-width space, a word joiner, a byte-order mark. (ZWJ and ZWNJ stay: some scripts'
# names need them.)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))
_SPACES = re.compile(r"\s+")


def tidy_name(text: str) -> str:
    """A person's name as people read it: spaces of every kind (a no-break space, two
    spaces) one space, invisible characters gone, nothing around it."""
    return _SPACES.sub(" ", text.translate(_INVISIBLE)).strip()


def normalize_badge(text: str) -> str:
    """Badge numbers are text: leading zeros are part of the number."""
    return clean_text(text, "badge", required=True, limit=32)


def normalize_tag(text: str, field: str = "asset_tag") -> str:
    """Asset tags and serials compare case-insensitively, as scanners and people type them."""
    value = clean_text(text, field, required=True, limit=64).upper()
    if any(ch.isspace() for ch in value):
        raise ValidationError(f"{field} {text.strip()!r} contains spaces")
    return value


def normalize_scan(text: str) -> str:
    """What a barcode scanner typed: surrounding whitespace and control characters dropped."""
    return "".join(ch for ch in text if ord(ch) >= 32).strip()


def plural(n: int, noun: str, plural_form: str | None = None) -> str:
    """A count and its noun as people write them: '1 line', '2 lines', '1,204 cameras'
    (never '1 lines' or 'camera(s)'). ``plural_form`` for nouns English does not regularly
    inflect ('person', 'people')."""
    return f"{n:,} {noun_for(n, noun, plural_form)}"


def noun_for(n: int, noun: str, plural_form: str | None = None) -> str:
    """The noun alone, singular or plural for ``n`` (when the count is set apart, in bold)."""
    if n == 1:
        return noun
    if plural_form is not None:
        return plural_form
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"
