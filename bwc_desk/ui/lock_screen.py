"""The lock screen and the idle timer (CJIS 5.5.5: lock after at most 30 minutes idle, or on
demand; data hidden until someone signs in again)."""

from __future__ import annotations

import logging
from datetime import datetime

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QResizeEvent, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.services.context import Actor
from bwc_desk.services.directory_signin import DirectoryUnreachable
from bwc_desk.services.foreground import PERSON
from bwc_desk.ui.dialogs.sign_in_dialog import OnDone, OnError, SignIn, SignInForm

log = logging.getLogger(__name__)
_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.ShortcutOverride,
}
# After activity, how long the idle watch leaves the windows alone (IdleWatcher._pause).
PAUSE_MS = 250
# Said after a badge scanned at the lock screen: officers queueing at a locked counter scan
# their own badge, then the camera, as they always do.
LOCKED_BADGE_NOTE = (
    "(An officer's badge or a camera? The station is locked: a staff member must sign in "
    "first.)"
)


class IdleWatcher(QObject):
    """Emits ``idle`` after the given minutes without a key press, click or mouse move
    anywhere in the application.

    It watches the application's windows (the main window, each dialog as it takes the
    focus), where the window system delivers every key press and click before Qt hands it
    to a widget; not the application itself, whose filters Qt calls for every event of
    every object (timers, paints, queued signals: thousands a second, each a call into
    Python that waited for the interpreter while the workers ran)."""

    idle = Signal()

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        # Once a key press or a click has restarted the timer, the windows are let go for
        # ``PAUSE_MS`` (``_pause``): a scanner's burst of ten keys was thirty calls into
        # Python here, each waiting for the interpreter while the workers read. The timer
        # runs for minutes; what it misses is at most that pause.
        self._windows: list[QWindow] = []
        self._listening = True
        self._resume = QTimer(self)
        self._resume.setSingleShot(True)
        self._resume.setInterval(PAUSE_MS)
        self._resume.timeout.connect(self._listen)
        self.set_minutes(minutes)
        self.poke()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self.watch)
            for window in QGuiApplication.topLevelWindows():
                self.watch(window)

    def watch(self, window: QWindow | None) -> None:
        """Count this window's input as activity (again: Qt keeps one filter per object)."""
        if window is None or not shiboken6.isValid(window):
            return
        if not any(w is window for w in self._windows):
            self._windows.append(window)
        if self._listening:
            window.installEventFilter(self)

    def _pause(self) -> None:
        """Activity seen: the windows are not watched for a moment (their filter removed,
        which Qt allows from inside the filter itself)."""
        self._listening = False
        for window in self._windows:
            if shiboken6.isValid(window):
                window.removeEventFilter(self)
        self._resume.start()

    def _listen(self) -> None:
        self._windows = [w for w in self._windows if shiboken6.isValid(w)]
        self._listening = True
        for window in self._windows:
            window.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        self._timer.setInterval(max(1, min(minutes, 30)) * 60_000)
        if self._timer.isActive():  # (stopped while locked: a new setting does not restart it)
            self.poke()

    def interval_ms(self) -> int:
        return self._timer.interval()

    def poke(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def quiet_s(self) -> float:
        """Seconds since the last key press, click or mouse move (locked: nobody is there,
        infinity)."""
        if not self._timer.isActive():
            return float("inf")
        return max(0, self._timer.interval() - self._timer.remainingTime()) / 1000

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _ACTIVITY and self._timer.isActive():
            self._timer.start()
            if kind == QEvent.Type.KeyPress:
                PERSON.touch()  # (a scanner's keys: its Enter follows; scan_keys too)
            self._pause()
        return False


class PopupGuard(QObject):
    """While locked, nothing may open over the lock screen: a dialog that opens anyway (the
    late result of work begun before the lock) never reaches the screen and never takes the
    focus; it is closed at once (as if answered No or Cancel) and logged. The password the
    next person is typing stays in the password field."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.closed: list[str] = []

    def start(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The Show event comes before the window system is asked to show the window: it is
        # shown without being activated. Closing it here, inside show(), would leave its
        # exec() waiting forever; so on the next turn of the event loop, and the focus goes
        # back to where it was (some platforms activate every new window).
        if event.type() == QEvent.Type.Show and isinstance(watched, QDialog):
            watched.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
            text = watched.text() if isinstance(watched, QMessageBox) else ""
            what = f"{watched.windowTitle()}: {text}".strip(": ")
            self.closed.append(what)
            log.warning("closed a window that opened over the lock screen: %s", what)
            focus = QApplication.focusWidget()
            QTimer.singleShot(0, watched, lambda: self._close(watched, focus))
        return False

    @staticmethod
    def _close(dialog: QDialog, focus: QWidget | None) -> None:
        dialog.reject()
        dialog.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, False)
        if focus is not None and shiboken6.isValid(focus) and focus.isVisible():
            focus.activateWindow()
            focus.setFocus(Qt.FocusReason.ActiveWindowFocusReason)


class LockScreen(QWidget):
    """Shown in place of every view. Any staff member may sign in; whoever does is recorded
    on the transactions from then on."""

    unlocked = Signal(object)  # Actor

    def __init__(
        self, sign_in: SignIn, sign_in_badge: SignIn, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lock_screen")
        self.heading = QLabel("<h2>BWC Desk is locked</h2>", self)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel(self)
        self.detail.setObjectName("lock_detail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        # An unreachable directory is said in the form and in a line that stays (never a
        # box over the lock screen): local accounts still sign in.
        self.directory_note = QLabel(self)
        self.directory_note.setObjectName("directory_note")
        self.directory_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.directory_note.setWordWrap(True)
        self.directory_note.setStyleSheet("color: #92400e;")
        self.directory_note.hide()
        # A sign-out the audit log could not take (the server away): said until the next
        # sign-in, the station's log keeping who, where and when.
        self.audit_note = QLabel(self)
        self.audit_note.setObjectName("audit_note")
        self.audit_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.audit_note.setWordWrap(True)
        self.audit_note.setStyleSheet("color: #92400e;")
        self.audit_note.hide()
        self.form = SignInForm(
            self._watching(sign_in), sign_in_badge, self, badge_note=LOCKED_BADGE_NOTE
        )
        self.form.signed_in.connect(self.unlocked)
        self.box = box = QFrame(self)
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setMinimumWidth(500)
        box.setMaximumWidth(620)
        inner = QVBoxLayout(box)
        inner.addWidget(self.heading)
        inner.addWidget(self.detail)
        inner.addWidget(self.directory_note)
        inner.addWidget(self.audit_note)
        inner.addWidget(self.form)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def _watching(self, sign_in: SignIn) -> SignIn:
        def call(
            first: str, secret: str, on_done: OnDone, on_error: OnError, **more: str
        ) -> None:
            def done(actor: Actor) -> None:
                self.directory_note.hide()
                self.audit_note.hide()
                on_done(actor)

            def failed(exc: BaseException) -> None:
                if isinstance(exc, DirectoryUnreachable):
                    when = datetime.now().strftime("%H:%M")
                    self.directory_note.setText(
                        f"At {when} the directory could not be reached: directory accounts "
                        "cannot sign in until it answers; local accounts still sign in."
                    )
                    self.directory_note.show()
                    self._fit_heights()
                on_error(exc)

            sign_in(first, secret, done, failed, **more)

        return call

    def show_locked(self, who: str, idle: bool, signed_out: bool = False) -> None:
        when = datetime.now().strftime("%H:%M")
        why = "after a while with no activity" if idle else "on request"
        first = f"{who} signed out at {when}." if signed_out else (
            f"Locked {why} at {when} (was: {who}).")
        self.heading.setText(
            "<h2>Signed out: sign in to use BWC Desk</h2>" if signed_out
            else "<h2>BWC Desk is locked</h2>"
        )
        self.detail.setText(
            f"{first} Any staff member may sign in; they will be recorded on the "
            "transactions from then on."
        )
        self.audit_note.hide()
        self._fit_heights()
        self.form.clear()
        self.form.focus_first()

    def sign_out_not_recorded(self, text: str) -> None:
        """The sign-out shown above happened, but its audit record could not be written."""
        self.audit_note.setText(text)
        self.audit_note.show()
        self._fit_heights()

    def _fit_heights(self) -> None:
        """The wrapped lines above the form get the height their text needs at the panel's
        width, as a minimum: a wrapped label's height for its width is not passed up through
        nested layouts, and the panel was laid out for one line of them (the form below was
        squeezed, its refusal drawn across the tabs' frame)."""
        for label in (self.detail, self.directory_note, self.audit_note):
            width = label.width() if label.width() > 50 else self.box.minimumWidth() - 20
            label.setMinimumHeight(label.heightForWidth(width) if label.text() else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_heights()
