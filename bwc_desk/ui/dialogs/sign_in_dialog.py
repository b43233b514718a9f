"""Sign-in: user name, Tab, password, Enter; or at the counter, scan the staff badge and type
a PIN. Used before the main window opens and on the lock screen.

A password an administrator set is temporary: the service refuses it alone
(``PasswordChangeRequired``), the form then asks for a new password twice and signs in with
both (``submit(user, temporary, on_done, on_error, new_password=NEW)``).

At the counter people scan first and look after: a badge scanned into the User name field
(or anywhere on that page) is a badge, told from a typed name by the keys' timing
(ui/scan_keys.py): the form turns to Badge and PIN with the code in the badge field and the
PIN field focused, the User name field as it was, nothing sent (``BadgeScans``). Where the
form has no badge sign-in, the code is kept in the User name field, selected, and the form
says it looks like a badge: nothing is sent until a person presses Enter. On the Badge and PIN
page a scan is a (new) staff badge wherever it falls, the PIN field too (a person types a PIN;
a scanner types codes): the badge replaced, the PIN cleared and focused, nothing sent.

What the form says is guidance (what to do next: neutral) or a refusal (red); guidance about
one page goes when the person turns to the other."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.errors import (
    DomainError,
    PasswordChangeRequired,
    UnavailableError,
    ValidationError,
)
from bwc_desk.domain.passwords import MIN_PIN_LENGTH
from bwc_desk.ui.scan_keys import MIN_LENGTH, FieldText, Restorable, ScanWatch

if TYPE_CHECKING:  # (the form is on the screen before the services are imported)
    from bwc_desk.services.context import Actor

OnDone = Callable[["Actor"], None]
OnError = Callable[[BaseException], None]
# submit(user, password, on_done, on_error) and submit_badge(badge, pin, on_done, on_error)
# run the check off the main thread (Argon2 is slow on purpose; the check writes records).
# The password's submit also takes ``new_password=`` (a temporary password replaced).
SignIn = Callable[..., None]
SIGN_IN = "Sign in"
CHOOSE = "Set password and sign in"
TRY_AGAIN = "Try again"
# The server away (UnavailableError): nothing was checked or recorded. The password or PIN
# is cleared as after any refusal (a shared station: a secret left in the form would sign
# in whoever pressed Enter next); the name or badge stays.
SERVER_AWAY = (
    "The database server cannot be reached, so the sign-in could not be checked: nothing "
    "was recorded, no failed attempt counted. Type your password (or PIN) again and press "
    "Enter to try again; if it goes on, check the network or ask the administrator."
)
SIGN_IN_MAX_GAP = 0.035  # seconds between two keys of a badge scanned into User name
BADGE_SCANNED = "Staff badge scanned: type your PIN, then Enter."
BADGE_IN_PASSWORD = (
    "Staff badge scanned into the Password field: it was not sent as a password. "
    "Type your PIN, then Enter."
)
BADGE_IN_PIN = (
    "Scanned into the PIN field, so taken as the staff badge (not sent as a PIN). "
    "Type your PIN, then Enter."
)
NOT_A_NAME = (
    "That looks like a scanned staff badge, and this form signs in with a user name and "
    "password only. Type your user name over it (if it is your user name, press Enter)."
)
NOT_A_PASSWORD = (
    "A staff badge was scanned into the Password field: it was not sent. This form signs "
    "in with a user name and password only: type your password, then Enter."
)
# A badge's code as scanners type it: capitals, digits and dashes, at least one digit
# (HPD's "STAFF-0042", a plain "00417731"). Told from a password only in the Password field,
# where a password manager types as fast as a scanner: its generated passwords have lower
# case or symbols; one without them is still a password when a Tab came just before it
# (auto-type: name, Tab, password, Enter).
BADGE_MAX_LENGTH = 32
ERROR_STYLE = "color: #b91c1c; font-weight: bold;"  # a refusal
GUIDANCE_STYLE = ""  # what to do next: the window's own text colour
AUTO_TYPED_WITHIN = 0.5  # seconds from a Tab to the first key of an auto-typed password


def looks_like_badge(code: str) -> bool:
    """True if ``code`` has the form of a scanned staff badge (see above)."""
    return (
        MIN_LENGTH <= len(code) <= BADGE_MAX_LENGTH
        and code.isascii()
        and all(ch.isdigit() or ch.isupper() or ch == "-" for ch in code)
        and any(ch.isdigit() for ch in code)
    )


class SignInForm(QWidget):
    """The form itself, shared by the dialog and the lock screen."""

    signed_in = Signal(object)  # Actor

    def __init__(
        self,
        sign_in: SignIn,
        sign_in_badge: SignIn | None = None,
        parent: QWidget | None = None,
        *,
        badge_note: str = "",
    ) -> None:
        super().__init__(parent)
        self._sign_in = sign_in
        self._sign_in_badge = sign_in_badge
        # Said after a badge scan (the lock screen: an officer's badge or a camera is no
        # staff badge, and the station is locked).
        self._badge_note = badge_note
        self._error = False  # what the form says is a refusal (not guidance)
        self.tabs = QTabWidget(self)
        self.tabs.setMinimumSize(440, 110)
        password_page = QWidget()
        self.user_edit = QLineEdit(password_page)
        self.user_edit.setObjectName("username")
        self.password_edit = QLineEdit(password_page)
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(password_page)
        form.addRow("&User name", self.user_edit)
        form.addRow("&Password", self.password_edit)
        # Shown only when the password was temporary (set by an administrator).
        self.new_edit = QLineEdit(password_page)
        self.new_edit.setObjectName("new_password")
        self.new_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_edit.setPlaceholderText("your own password")
        self.confirm_edit = QLineEdit(password_page)
        self.confirm_edit.setObjectName("confirm_new_password")
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit.setPlaceholderText("the same again")
        form.addRow("&New password", self.new_edit)
        form.addRow("&Confirm new password", self.confirm_edit)
        self._password_form = form
        self._choosing = False
        self._show_new_rows(False)
        self.tabs.addTab(password_page, "User name and password")
        badge_page = QWidget(self)  # kept alive (and hidden) even without badge sign-in
        badge_page.hide()
        self.badge_edit = QLineEdit(badge_page)
        self.badge_edit.setObjectName("badge")
        self.badge_edit.setPlaceholderText("scan your staff badge")
        self.pin_edit = QLineEdit(badge_page)
        self.pin_edit.setObjectName("pin")
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setPlaceholderText("then type your PIN")
        badge_form = QFormLayout(badge_page)
        badge_form.addRow("Staff &badge", self.badge_edit)
        badge_form.addRow("P&IN", self.pin_edit)
        if sign_in_badge is not None:
            self.tabs.addTab(badge_page, "Badge and PIN")
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        # Room for three lines, kept whether or not something is said: a wrapped label's
        # height for its width is not passed up through the lock screen's nested layouts,
        # and a two-line refusal was drawn across the tabs' frame (it read as struck through).
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.error_label.setMinimumHeight(3 * self.error_label.fontMetrics().lineSpacing() + 2)
        policy = self.error_label.sizePolicy()
        policy.setHeightForWidth(False)
        self.error_label.setSizePolicy(policy)
        self.error_label.setStyleSheet(GUIDANCE_STYLE)
        self.sign_in_button = QPushButton(SIGN_IN, self)
        self.sign_in_button.setDefault(True)
        self.sign_in_button.setAutoDefault(True)
        self.sign_in_button.clicked.connect(self.submit)
        # Enter in any field submits (a scanner ends the badge with Enter); the filter eats the
        # key so that a dialog's default button does not submit a second time.
        for edit in (
            self.user_edit,
            self.password_edit,
            self.new_edit,
            self.confirm_edit,
            self.badge_edit,
            self.pin_edit,
        ):
            edit.installEventFilter(self)
        self.tabs.currentChanged.connect(lambda _i: self._tab_changed())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        layout.addWidget(self.error_label)
        layout.addWidget(self.sign_in_button, 0, Qt.AlignmentFlag.AlignRight)
        self.setTabOrder(self.user_edit, self.password_edit)
        # (After the filter above: a scan's Enter is the watch's, never a submit.)
        self.scans = BadgeScans(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter))
        ):
            self.submit()
            return True
        return super().eventFilter(watched, event)

    def focus_first(self) -> None:
        if self.choosing:
            self.new_edit.setFocus()
            return
        (self.badge_edit if self.tabs.currentIndex() == 1 else self.user_edit).setFocus()

    @property
    def choosing(self) -> bool:
        """The password was temporary: a new one is being typed."""
        return self._choosing

    def _show_new_rows(self, shown: bool) -> None:
        self._password_form.setRowVisible(self.new_edit, shown)
        self._password_form.setRowVisible(self.confirm_edit, shown)

    def _choose(self, on: bool) -> None:
        """Into (or out of) choosing a new password: the name and temporary password stay,
        read-only, and are sent again with the new one."""
        self._choosing = on
        self._show_new_rows(on)
        self.user_edit.setReadOnly(on)
        self.password_edit.setReadOnly(on)
        self.new_edit.clear()
        self.confirm_edit.clear()
        self.sign_in_button.setText(CHOOSE if on else SIGN_IN)
        self.tabs.setMinimumHeight(self.tabs.sizeHint().height() if on else 110)

    def _tab_changed(self) -> None:
        if self.choosing and self.tabs.currentIndex() == 1:  # (the badge instead: start over)
            self._choose(False)
            self.password_edit.clear()
            self._say("")
        elif not self._error and self.sign_in_button.isEnabled():
            self._say("")  # (guidance about the other page; not "Checking...")
        self.focus_first()

    def clear(self) -> None:
        self._choose(False)
        for edit in (self.user_edit, self.password_edit, self.badge_edit, self.pin_edit):
            edit.clear()
        self._say("")
        self.sign_in_button.setEnabled(True)

    def _say(self, text: str, *, error: bool = False) -> None:
        """Guidance (neutral) or, ``error``, a refusal (red)."""
        if error != self._error:
            self._error = error
            self.error_label.setStyleSheet(ERROR_STYLE if error else GUIDANCE_STYLE)
        self.error_label.setText(text)
        self._fit_error()

    def _fit_error(self) -> None:
        """Three lines at least; a longer refusal (a locked account: who can unlock it) gets
        the height it needs at the label's width, as a minimum, for the reason above."""
        label = self.error_label
        lines = 3 * label.fontMetrics().lineSpacing() + 2
        width = label.width() if label.width() > 50 else 480
        label.setMinimumHeight(max(lines, label.heightForWidth(width) if label.text() else 0))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_error()

    def submit(self) -> None:
        if not self.sign_in_button.isEnabled():
            return  # a check is already running
        badge_mode = self.tabs.currentIndex() == 1
        if badge_mode:
            first, secret, call = self.badge_edit, self.pin_edit, self._sign_in_badge
        else:
            first, secret, call = self.user_edit, self.password_edit, self._sign_in
        if not first.text().strip():
            self._say("Scan your staff badge first." if badge_mode else "Enter your user name.")
            first.setFocus()
            return
        if not secret.text():
            secret.setFocus()  # Enter after the name or badge: on to the secret
            return
        assert call is not None
        if self.choosing and not badge_mode:
            self._submit_new(first.text(), secret.text())
            return
        self.sign_in_button.setEnabled(False)
        self._say("Checking...")
        call(first.text(), secret.text(), self._done, self._failed)

    def badge_scanned(
        self, code: str, *, in_password: bool = False, in_pin: bool = False
    ) -> None:
        """A burst at scanner speed ended in Enter (its keys already taken back out of the
        field it fell into): a staff badge, never a user name, a password nor a PIN
        (``in_password``, ``in_pin``: it fell into that field; the code is never shown
        there, nor sent, so no failed sign-in is counted). On the Badge and PIN page it
        replaces the badge there, and the PIN (someone's, left behind) is cleared."""
        if not self.sign_in_button.isEnabled():
            return  # a check is running: the scan is not used
        if in_password and self._sign_in_badge is None:
            self.password_edit.setFocus()
            self._say(NOT_A_PASSWORD)
            return
        if self._sign_in_badge is None:
            # (Kept and selected: typed over by the person's own name, or, if it was their
            # name after all, sent by their own Enter.)
            self.user_edit.setText(code)
            self.user_edit.selectAll()
            self.user_edit.setFocus()
            self._say(NOT_A_NAME)
            return
        self.badge_edit.setText(code)
        self.pin_edit.clear()
        self.tabs.setCurrentIndex(1)
        self.pin_edit.setFocus()
        said = BADGE_IN_PASSWORD if in_password else BADGE_IN_PIN if in_pin else BADGE_SCANNED
        self._say(f"{said} {self._badge_note}" if self._badge_note else said)

    def _submit_new(self, user: str, temporary: str) -> None:
        new, again = self.new_edit.text(), self.confirm_edit.text()
        if not new:
            self.new_edit.setFocus()
            return
        if not again:
            self.confirm_edit.setFocus()  # Enter after the first: on to the second
            return
        if new != again:
            self._say(
                "The two new passwords differ: type your new password twice again.", error=True
            )
            self.new_edit.clear()
            self.confirm_edit.clear()
            self.new_edit.setFocus()
            return
        self.sign_in_button.setEnabled(False)
        self._say("Checking...")
        self._sign_in(user, temporary, self._done, self._failed, new_password=new)

    def _done(self, actor: Actor) -> None:
        self.clear()
        self.signed_in.emit(actor)

    def _failed(self, exc: BaseException) -> None:
        self._refused(exc)
        if isinstance(exc, UnavailableError):
            # (The store's "keeps trying" is not the form's to say.)
            self._say(SERVER_AWAY, error=True)
            self.sign_in_button.setText(TRY_AGAIN)
            if self.tabs.currentIndex() == 1:
                self.pin_edit.setFocus()  # (the badge was not refused: the PIN again)

    def _refused(self, exc: BaseException) -> None:
        self.sign_in_button.setEnabled(True)
        self.sign_in_button.setText(CHOOSE if self.choosing else SIGN_IN)
        self._say(
            str(exc) if isinstance(exc, DomainError) else f"Sign-in failed: {exc}", error=True
        )
        if self.tabs.currentIndex() == 0 and isinstance(exc, PasswordChangeRequired):
            if not self.choosing:
                self._choose(True)
            self.new_edit.setFocus()
            return
        if self.choosing and isinstance(exc, ValidationError):  # the new one: type it again
            self.new_edit.clear()
            self.confirm_edit.clear()
            self.new_edit.setFocus()
            return
        if self.choosing:  # (the temporary password no longer works: start over)
            self._choose(False)
        if self.tabs.currentIndex() == 1:
            self.pin_edit.clear()
            self.badge_edit.selectAll()
            self.badge_edit.setFocus()
        else:
            self.password_edit.clear()
            self.password_edit.setFocus()


class BadgeScans(ScanWatch):
    """The form's keys, timed as the counter times them: a burst at scanner speed that ends
    in Enter is a badge (``SignInForm.badge_scanned``); the field it fell into gets back
    what it held before the burst. In the Password field a burst is a badge only if the
    field holds nothing else, the code has a badge's form (``looks_like_badge``) and no Tab
    came just before it (a password manager's auto-type); its keys are kept in memory for
    that judgement only. The new-password fields never are, nor are keys while a temporary
    password is being replaced. On the Badge and PIN page every burst is a badge, in the
    PIN field too (its keys kept in memory as the Password field's), unless it is the fast
    end of a PIN typed by hand: digits, fewer than a PIN has, after what the field held."""

    def __init__(self, form: SignInForm, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(form, clock)
        # Stricter than the counter's: a person typing their own user name, a word their
        # fingers know, can keep under the counter's 80 ms a key; a scanner's keys come
        # 1-20 ms apart. (Taken for a badge, a name would turn the form to Badge and PIN.)
        self.burst.max_gap = SIGN_IN_MAX_GAP
        self.form = form
        self._key_at: float | None = None  # the key being handled: its own time
        self._tab_at: float | None = None  # the last Tab or Backtab's
        self._after_tab = False  # the burst began just after a Tab (auto-type)
        self._into: Any = None  # the field the scan fell into
        # (None of these is another's parent: a key that one of them does not take and
        # that travels on to its parents is counted once.)
        self.watch((
            form.user_edit,
            form.password_edit,
            form.new_edit,
            form.confirm_edit,
            form.badge_edit,
            form.pin_edit,
            form.tabs.tabBar(),
            form.sign_in_button,
        ))

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            stamp = event.timestamp()
            self._key_at = stamp / 1000.0 if stamp else None
            if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
                self._tab_at = self._key_at
        return super().eventFilter(watched, event)

    def counts(self, watched: Any) -> bool:
        return self.form.tabs.currentIndex() == 1 or not self.form.choosing

    def snapshot(self, watched: Any) -> Restorable | None:
        # (Called as a burst begins.)
        at, tab = self._key_at, self._tab_at
        self._after_tab = at is not None and tab is not None and 0 <= at - tab <= AUTO_TYPED_WITHIN
        form = self.form
        if watched in (form.user_edit, form.password_edit, form.badge_edit, form.pin_edit):
            return FieldText(watched)
        return None

    def reads_hidden(self, watched: Any) -> bool:
        return watched is self.form.password_edit or watched is self.form.pin_edit

    def is_scan(self, watched: Any, code: str) -> bool:
        self._into = watched  # (for ``scanned``, next)
        if watched is self.form.pin_edit:
            # A person types a PIN; a scanner types codes. Only a few digits rolled fast at
            # the end of a PIN being typed are the PIN's.
            return (
                self.form.pin_edit.text() == code
                or not code.isdigit()
                or len(code) >= MIN_PIN_LENGTH
            )
        if watched is not self.form.password_edit:
            return True
        return (
            self.form.password_edit.text() == code  # (not the fast end of a typed password)
            and looks_like_badge(code)
            and not self._after_tab
        )

    def scanned(self, code: str) -> None:
        into, self._into = self._into, None
        self.form.badge_scanned(
            code.strip(),
            in_password=into is self.form.password_edit,
            in_pin=into is self.form.pin_edit,
        )


class SignInDialog(QDialog):
    """Before the main window: nothing is shown until someone signs in. ``first_painted``:
    the form is on the screen (once; work that can wait for the person's typing starts
    then, not before the form is seen)."""

    first_painted = Signal()

    def __init__(
        self,
        sign_in: SignIn,
        *,
        agency: str,
        station: str,
        sign_in_badge: SignIn | None = None,
        demo_accounts: Sequence[tuple[str, str, str]] = (),
        title: str = "Sign in",
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.actor: Actor | None = None
        self._painted = False
        self.setWindowTitle(f"{title} - BWC Desk")
        self.setModal(True)
        self.form = SignInForm(sign_in, sign_in_badge, self)
        self.form.signed_in.connect(self._signed_in)
        # The fields, for callers and tests that drive the dialog.
        self.user_edit, self.password_edit = self.form.user_edit, self.form.password_edit
        self.error_label, self.sign_in_button = self.form.error_label, self.form.sign_in_button
        self._station = station
        heading = self.heading = QLabel()
        heading.setObjectName("heading")
        self.set_agency(agency)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        if note:
            note_label = QLabel(note)
            note_label.setWordWrap(True)
            layout.addWidget(note_label)
        layout.addWidget(self.form)
        if demo_accounts:
            lines = "".join(
                f"<tr><td>{u}</td><td>{p}</td><td>{r}</td></tr>" for u, p, r in demo_accounts
            )
            demo = QLabel(
                "<b>Demo agency</b>: sign in with any of these (shown in the demo only)."
                "<table cellspacing=6><tr><th align=left>User</th><th align=left>Password"
                f"</th><th align=left>Role</th></tr>{lines}</table>"
            )
            demo.setObjectName("demo_accounts")
            demo.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            demo.setStyleSheet("background: #fef9c3; padding: 6px;")
            layout.addWidget(demo)
        layout.addWidget(buttons)
        self.user_edit.setFocus()

    def set_agency(self, agency: str, status: str = "") -> None:
        """The heading: the agency (known once the database is open) and the station, with
        ``status`` after it in grey (what the form waits for: "opening the database")."""
        after = f" <span style='color:#6b7280'>({status})</span>" if status else ""
        self.heading.setText(f"<b>{agency or 'BWC Desk'}</b><br>Station {self._station}{after}")

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # (After this paint, its children's and the flush to the screen.)
            QTimer.singleShot(0, self.first_painted.emit)

    def _signed_in(self, actor: Actor) -> None:
        self.actor = actor
        self.accept()
