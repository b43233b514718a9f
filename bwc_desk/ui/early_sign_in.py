"""The sign-in form on the screen first, before the database is opened.

A station starts as a person meets it: on its sign-in form. What the form needs from the
database (the agency's name; the check of a password) can wait for the person to read and
type, so where the database has been set up already (``config.set_up_database_named``) the
form is shown as soon as Qt can paint it, and everything below Qt (SQLAlchemy, the models,
opening and checking the database, registering the station) is imported and done after it:
about 0.4 s sooner on the screen. Keys typed meanwhile wait in the window system's queue and
reach the form afterwards, as before, each with the window system's time of the key: a staff
badge scanned meanwhile is told from a typed name as it would be later (the form has its Badge
and PIN tab from the start, its calls held), so the form turns to Badge and PIN, and a PIN and
Enter typed after it are held and sent at ``connect``.

The launcher then either takes the form over (``connect``: the agency's name and the real
sign-in calls) or, when the start goes another way (first run, the database in use or
damaged, an error), ``drop``s it before it says anything else: nothing typed into the form is
sent anywhere before ``connect``.

Only PySide6, the form's module and the station's configuration are imported here."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication

from bwc_desk.ui.dialogs.sign_in_dialog import SignIn, SignInDialog

# At most this long for the form's first paint (the offscreen platform, a slow X server).
PAINT_WAIT_MS = 1000
# Once the form has gone, keys are thrown away until the keyboard has been quiet this long:
# someone typing their password into the form goes on typing for a moment after it gives
# way, and those keys must reach neither the message that replaced it (an Enter would
# dismiss it unread) nor the first-run dialog (the password in clear in a name field).
QUIET_S = 0.8
KEY_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride)


class TypingAhead(QObject):
    """Installed on the application when the form goes: throws away every key until none
    has come for ``quiet_s`` (counted from the form's going), then removes itself."""

    def __init__(self, quiet_s: float = QUIET_S, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        super().__init__()
        self.quiet_s = quiet_s
        self.clock = clock
        self.thrown = 0  # (key presses thrown away: for the log and the tests)
        self._last = clock()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in KEY_EVENTS:
            return False
        now = self.clock()
        if now - self._last >= self.quiet_s:
            self.stop()
            return False
        self._last = now
        if event.type() == QEvent.Type.KeyPress:
            self.thrown += 1
        return True

    def start(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class EarlySignIn:
    """The form, shown; its sign-in calls held until the launcher connects the real ones."""

    def __init__(self, station: str) -> None:
        self._password: SignIn | None = None
        self._badge: SignIn | None = None
        # (What a person managed to submit before the database was open: sent on connect.)
        self._held: list[tuple[bool, tuple[Any, ...], dict[str, Any]]] = []
        self.typing_ahead: TypingAhead | None = None
        self.dialog: SignInDialog | None = SignInDialog(
            self._sign_in, agency="", station=station, sign_in_badge=self._sign_in_badge
        )

    def show(self) -> None:
        """Show the form and return once it is painted (or after PAINT_WAIT_MS)."""
        dialog = self.dialog
        assert dialog is not None
        waiting = QEventLoop()
        dialog.first_painted.connect(waiting.quit)
        QTimer.singleShot(PAINT_WAIT_MS, waiting.quit)
        # (Painted with it: a server that does not answer keeps the form still for up to
        # its connect timeout, and the person sees why.)
        dialog.set_agency("", status="opening the database...")
        dialog.show()
        waiting.exec()
        dialog.first_painted.disconnect(waiting.quit)

    def connect(self, sign_in: SignIn, sign_in_badge: SignIn, agency: str) -> SignInDialog:
        """The launcher takes the form over: the agency's name on it, its calls live."""
        dialog = self.dialog
        assert dialog is not None
        self._password, self._badge = sign_in, sign_in_badge
        dialog.set_agency(agency)
        if self._held:  # (sent once the launcher runs the form: it is the parent of the check)
            QTimer.singleShot(0, self._send_held)
        return dialog

    def _send_held(self) -> None:
        held, self._held = self._held, []
        for badge, args, kwargs in held:
            self._call(badge, self._badge if badge else self._password, args, kwargs)

    def drop(self) -> None:
        """The start goes another way: the form goes, and what was typed into it with it;
        keys still being typed are thrown away until the keyboard is quiet (``TypingAhead``)."""
        dialog, self.dialog = self.dialog, None
        self._held.clear()
        if dialog is not None:
            self.typing_ahead = TypingAhead()
            self.typing_ahead.start()
            dialog.hide()
            QApplication.processEvents()  # (keys already queued: thrown away)
            dialog.deleteLater()

    def _sign_in(self, *args: Any, **kwargs: Any) -> None:
        self._call(False, self._password, args, kwargs)

    def _sign_in_badge(self, *args: Any, **kwargs: Any) -> None:
        self._call(True, self._badge, args, kwargs)

    def _call(self, badge: bool, call: Callable[..., None] | None, args: tuple[Any, ...],
              kwargs: dict[str, Any]) -> None:
        if call is None:
            self._held.append((badge, args, kwargs))
        else:
            call(*args, **kwargs)
