"""A staff badge scanned while the keyboard focus is in the Password field (the person typed
their name, or nothing, then reached for the scanner): a badge, never a password. Nothing is
sent, so no failed sign-in counts toward the lockout; the form turns to Badge and PIN with the
code in the badge field and the PIN focused, and says so. A password typed by a person, at
any realistic speed, or auto-typed by a password manager (name, Tab, password, Enter), is
still a password. Keys carry the window system's times (no sleeps, no timed assertions)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bwc_desk.ui.dialogs.sign_in_dialog import (
    BADGE_IN_PASSWORD,
    NOT_A_PASSWORD,
    looks_like_badge,
)
from tests.test_sign_in_badge_scan import (
    SCANNER_MS,
    Calls,
    _key,
    _now_ms,
    keys_at,
    scan,
    shown,
    type_by_hand,
)


def focused():  # type: ignore[no-untyped-def]
    return QApplication.focusWidget()


def keys_with_gaps(widget, text: str, gaps_ms: list[int], enter_ms: int) -> None:  # type: ignore[no-untyped-def]
    """``text`` with its own gap before each key (a person's uneven rhythm), then Enter."""
    assert len(gaps_ms) == len(text)
    _now_ms[0] += 2000
    for char, gap in zip(text, gaps_ms, strict=True):
        _now_ms[0] += gap
        _key(widget, Qt.Key(ord(char.upper())), char, _now_ms[0])
    _now_ms[0] += enter_ms
    _key(widget, Qt.Key.Key_Return, "\r", _now_ms[0])


def test_a_badge_scanned_into_the_password_field_turns_to_badge_and_pin(qtbot):
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    type_by_hand(form.user_edit, "qm.jordan")  # Enter: on to the password
    assert focused() is form.password_edit
    scan(form.password_edit, "STAFF-0042")
    assert calls.sent == []  # not sent: no failed attempt toward the lockout
    assert form.tabs.currentIndex() == 1
    assert form.badge_edit.text() == "STAFF-0042" and form.pin_edit.text() == ""
    assert focused() is form.pin_edit
    assert form.password_edit.text() == ""  # the code taken back out of it
    assert form.user_edit.text() == "qm.jordan"
    assert form.error_label.text() == BADGE_IN_PASSWORD
    type_by_hand(form.pin_edit, "480271")
    assert calls.sent == [("badge", "STAFF-0042", "480271")]


def test_a_badge_of_digits_into_an_empty_form_s_password_field(qtbot):
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    form.password_edit.setFocus()
    qtbot.waitUntil(lambda: focused() is form.password_edit, timeout=5000)
    scan(form.password_edit, "00417731")
    assert calls.sent == [] and form.tabs.currentIndex() == 1
    assert form.badge_edit.text() == "00417731" and focused() is form.pin_edit


def test_at_the_lock_screen_too(qtbot):
    from bwc_desk.ui.lock_screen import LOCKED_BADGE_NOTE, LockScreen

    calls = Calls()
    screen = LockScreen(calls.password, calls.badge)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    screen.show_locked("Dana Lee", idle=False)
    form = screen.form
    type_by_hand(form.user_edit, "dana.lee")
    scan(form.password_edit, "STAFF-0042")
    assert calls.sent == [] and form.tabs.currentIndex() == 1
    assert form.badge_edit.text() == "STAFF-0042"
    assert form.error_label.text() == f"{BADGE_IN_PASSWORD} {LOCKED_BADGE_NOTE}"


def test_without_badge_sign_in_nothing_is_sent_and_nothing_shown(qtbot):
    calls = Calls()
    dialog = shown(qtbot, calls, badge=False)
    form = dialog.form
    type_by_hand(form.user_edit, "qm.jordan")
    scan(form.password_edit, "STAFF-0042")
    assert calls.sent == []
    assert form.password_edit.text() == "" and focused() is form.password_edit
    assert form.error_label.text() == NOT_A_PASSWORD
    assert "STAFF-0042" not in form.error_label.text() and form.user_edit.text() == "qm.jordan"


# A person's password: the gaps of a fast typist (a practised word, some pairs rolled over
# under 35 ms), an uneven one, and one whose last keys come at speed. None is a scan, even
# where the password has a badge's form (capitals, digits and dashes).
PERSON_GAPS = {
    "fast typist": [180, 70, 30, 95, 28, 60, 110, 33, 75, 52, 90],
    "uneven": [300, 140, 260, 120, 400, 180, 150, 220, 170, 140, 130],
    "quick ending": [240, 160, 180, 150, 200, 20, 18, 22, 25, 19, 21],
}


def test_a_password_typed_by_a_person_is_sent_as_the_password(qtbot):
    password = "HPD-2026-X9"  # (a badge's form: only the timing tells)
    assert looks_like_badge(password)
    for rhythm, gaps in PERSON_GAPS.items():
        calls = Calls()
        dialog = shown(qtbot, calls)
        form = dialog.form
        type_by_hand(form.user_edit, "qm.jordan")
        keys_with_gaps(form.password_edit, password, gaps, enter_ms=240)
        assert calls.sent == [("password", "qm.jordan", password)], rhythm
        assert form.tabs.currentIndex() == 0, rhythm
        dialog.close()


def test_a_password_manager_typing_a_badge_shaped_password_after_tab_is_a_password(qtbot):
    # Auto-type: name, Tab, password, Enter, all at machine speed; the password happens to
    # have a badge's form. The Tab just before says a tool types it.
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    keys_at(form.user_edit, "qm.jordan", SCANNER_MS, enter=False)
    _now_ms[0] += SCANNER_MS
    _key(form.user_edit, Qt.Key.Key_Tab, "\t", _now_ms[0])
    assert focused() is form.password_edit
    _now_ms[0] += SCANNER_MS
    for char in "K7Q2-ZX94-MM3P":
        _now_ms[0] += SCANNER_MS
        _key(form.password_edit, Qt.Key(ord(char)), char, _now_ms[0])
    _now_ms[0] += SCANNER_MS
    _key(form.password_edit, Qt.Key.Key_Return, "\r", _now_ms[0])
    assert calls.sent == [("password", "qm.jordan", "K7Q2-ZX94-MM3P")]
    assert form.tabs.currentIndex() == 0 and form.badge_edit.text() == ""


def test_a_fast_password_of_another_form_stays_a_password(qtbot):
    # (A password manager's generated password: lower case and symbols are no badge.)
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    type_by_hand(form.user_edit, "qm.jordan")
    scan(form.password_edit, "x9$Lk2!pQ7")
    assert calls.sent == [("password", "qm.jordan", "x9$Lk2!pQ7")]
    assert form.tabs.currentIndex() == 0 and form.badge_edit.text() == ""


def test_a_fast_end_to_a_password_typed_by_hand_is_not_a_badge(qtbot):
    # The first keys by hand, the last ones at scanner speed: the field holds more than the
    # burst, so the burst is no badge (it was the end of a password).
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    type_by_hand(form.user_edit, "qm.jordan")
    type_by_hand(form.password_edit, "Sergeant-", enter=False)
    scan(form.password_edit, "2026")
    assert calls.sent == [("password", "qm.jordan", "Sergeant-2026")]


def test_the_badge_form():
    assert looks_like_badge("STAFF-0042") and looks_like_badge("00417731")
    for not_badge in ("demo-counter-2026", "ABCDEFGH", "x9$Lk2!pQ7", "AB1", "A1 B2 C3",
                      "Q" * 40 + "1", "Staff-0042",
                      "staff-0042"):
        assert not looks_like_badge(not_badge), not_badge


def test_on_the_early_form_before_the_database_is_open(qtbot):
    """The form shown before the database is open: a badge scanned into its Password field
    is a badge too, and what is sent once the launcher connects is the badge and PIN."""
    from bwc_desk.ui.early_sign_in import EarlySignIn

    early = EarlySignIn("DESK-1")
    dialog = early.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    early.show()
    form = dialog.form
    type_by_hand(form.user_edit, "qm.jordan")
    scan(form.password_edit, "STAFF-0042")
    assert form.tabs.currentIndex() == 1 and form.badge_edit.text() == "STAFF-0042"
    assert form.error_label.text() == BADGE_IN_PASSWORD
    type_by_hand(form.pin_edit, "480271")
    sent: list[tuple[str, ...]] = []
    early.connect(lambda user, password, *_a, **_k: sent.append(("password", user, password)),
                  lambda badge, pin, *_a, **_k: sent.append(("badge", badge, pin)),
                  "Hartford Police")
    qtbot.waitUntil(lambda: sent == [("badge", "STAFF-0042", "480271")], timeout=5000)
