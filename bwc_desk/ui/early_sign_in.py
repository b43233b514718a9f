"""The sign-in form on the screen first, before the database is opened.

A station starts as a person meets it: on its sign-in form. What the form needs from the
database (the agency's name; the check of a password) can wait for the person to read and
type, so where the database has been set up already (``config.set_up_database_named``) the
form is shown as soon as Qt can paint it, and everything below Qt (SQLAlchemy, the models,
opening and checking the database, registering the station) is imported and done after it:
about 0.4 s sooner on the screen. Keys typed meanwhile wait in the window system's queue and
reach the form afterwards, as before.

The launcher then either takes the form over (``connect``: the agency's name and the real
sign-in calls) or, when the start goes another way (first run, the database in use or
damaged, an error), ``drop``s it before it says anything else: nothing typed into the form is
sent anywhere before ``connect``.

Only PySide6, the form's module and the station's configuration are imported here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from bwc_desk.ui.dialogs.sign_in_dialog import SignIn, SignInDialog

# At most this long for the form's first paint (the offscreen platform, a slow X server).
PAINT_WAIT_MS = 1000


class EarlySignIn:
    """The form, shown; its sign-in calls held until the launcher connects the real ones."""

    def __init__(self, station: str) -> None:
        self._password: SignIn | None = None
        self._badge: SignIn | None = None
        # (What a person managed to submit before the database was open: sent on connect.)
        self._held: list[tuple[bool, tuple[Any, ...], dict[str, Any]]] = []
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
        """The start goes another way: the form goes, and what was typed into it with it."""
        dialog, self.dialog = self.dialog, None
        self._held.clear()
        if dialog is not None:
            dialog.hide()
            QApplication.processEvents()  # (keys already queued for the form: to the form)
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
