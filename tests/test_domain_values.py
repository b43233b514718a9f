from datetime import date

import pytest

from bwc_desk.domain.errors import ValidationError
from bwc_desk.domain.passwords import check_password, check_pin
from bwc_desk.domain.values import normalize_badge, normalize_tag, parse_bool, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-10-05", date(2021, 10, 5)),
        ("10/5/2021", date(2021, 10, 5)),
        (" 1/02/2019 ", date(2019, 1, 2)),
        ("", None),
    ],
)
def test_dates_iso_and_us(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2021-13-01", "31/12/2021", "yesterday", "2/30/2021"])
def test_bad_dates_say_how_to_write_them(text):
    with pytest.raises(ValidationError):
        parse_date(text, "purchase_date")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31.12.2027", date(2027, 12, 31)),
        ("5.1.2027", date(2027, 1, 5)),
        ("05.01.2027", date(2027, 1, 5)),
    ],
)
def test_dotted_dates_are_day_first(text, expected):
    """A European spreadsheet's dates (day.month.year): one reading only."""
    assert parse_date(text) == expected


def test_a_day_first_slash_date_is_refused_with_how_to_write_it():
    """31/12/2027 can only be day-first: refused all the same (05/01/2027 in the same file
    would be read as May 1), saying why and what to write."""
    with pytest.raises(ValidationError) as refused:
        parse_date("31/12/2027", "warranty_until")
    text = str(refused.value)
    assert "day first" in text and "2027-12-31" in text and "31.12.2027" in text
    with pytest.raises(ValidationError, match="not a real date"):
        parse_date("31.02.2027")


@pytest.mark.parametrize(
    ("text", "value"),
    [("yes", True), ("No", False), ("TRUE", True), ("0", False), ("1", True), ("f", False)],
)
def test_booleans(text, value):
    assert parse_bool(text) is value


def test_badge_keeps_leading_zeros_and_tags_are_upper():
    assert normalize_badge(" 0412 ") == "0412"
    assert normalize_tag("hpd-bwc-0412") == "HPD-BWC-0412"
    with pytest.raises(ValidationError):
        normalize_tag("HPD BWC")


def test_password_rules():
    check_password("correct horse battery", {"password1"})
    for bad in ("short", "password1", "admin-admin", " spaced out "):
        with pytest.raises(ValidationError):
            check_password(bad, {"password1"}, username="admin-admin")


def test_pin_rules():
    check_pin("480271")
    for bad in ("12345", "111111", "123456", "12a456"):
        with pytest.raises(ValidationError):
            check_pin(bad)


@pytest.mark.parametrize(
    ("n", "noun", "expected"),
    [
        (0, "line", "0 lines"),
        (1, "line", "1 line"),
        (2, "line", "2 lines"),
        (1204, "camera", "1,204 cameras"),
        (1, "custody event", "1 custody event"),
        (3, "match", "3 matches"),
        (2, "battery", "2 batteries"),
        (2, "day", "2 days"),
    ],
)
def test_plural_counts_read_as_english(n, noun, expected):
    from bwc_desk.domain.values import plural

    assert plural(n, noun) == expected


def test_plural_takes_an_irregular_form():
    from bwc_desk.domain.values import plural

    assert plural(2, "person", "people") == "2 people"
    assert plural(1, "person", "people") == "1 person"


def test_a_name_pasted_with_invisible_characters_is_kept_as_people_read_it():
    """A tester's "  Lead  Space<zero-width space><no-break space>Name  " was stored as
    pasted: two officers whose names read the same could differ. Spaces of every kind
    become one space; a zero-width space, a word joiner and a stray byte-order mark go; the
    joiners some scripts need (ZWJ, ZWNJ) stay."""
    from bwc_desk.domain.values import tidy_name

    assert tidy_name("  Lead  Space\u200b\u00a0Name  ") == "Lead Space Name"
    assert tidy_name("\ufeffO\u2060Brien\u2003Jr") == "OBrien Jr"
    persian = "\u0645\u06cc\u200c\u0634\u0648\u062f"  # (a ZWNJ inside)
    assert tidy_name(persian) == persian
    assert tidy_name("") == ""


def test_an_officers_names_are_tidied_as_they_are_cleaned():
    from bwc_desk.services.officers import OfficerInput, clean_officer

    cleaned = clean_officer(OfficerInput("0412", "  Smith\u00a0\u00a0Jones ", "Ann\u200b"))
    assert (cleaned.last_name, cleaned.first_name) == ("Smith Jones", "Ann")


def test_an_actor_whose_name_is_the_user_name_is_described_once():
    from bwc_desk.domain.roles import Role
    from bwc_desk.services.context import Actor

    assert Actor(1, "admin", "admin", Role.ADMIN).describe() == "admin (admin)"
    assert Actor(2, "ada", "Ada Admin", Role.ADMIN).describe() == "Ada Admin (ada, admin)"
