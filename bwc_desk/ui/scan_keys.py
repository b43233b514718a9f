"""Telling a barcode scanner from a person by the timing of the keys.

A USB scanner is a keyboard that types a whole code within a few milliseconds and presses
Enter; a person types a note at a few keys a second. Text that arrives at scanner speed and
ends in Enter is a scan, wherever the keyboard focus is in the counter view or one of its
dialogs. The rule (ScanBurst) is plain Python with its own tests; the clock is injectable.
ScanWatch is the one Qt event filter that applies it, for the counter view (ScannerKeys)
and for its dialogs (DialogScans), each saying only what differs.

A password manager types a password as fast as a scanner, and a person may press Enter
after it: keys typed into a hidden field (a password, a PIN: any echo mode but Normal) never
join a burst of other keys, are never kept (the burst holds a placeholder for each) and a
burst of them is never a scan unless the watch asks for it (hidden_is_scan); nothing of it is
ever shown. Tab and Backtab (the person moving on to the next field) end a burst. A watch
that must tell a code from a password by its form (the sign-in form: a staff badge scanned
into the Password field) reads a hidden field's keys (``reads_hidden``), and shows them only
if ``is_scan`` says the burst was a scan.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Protocol, runtime_checkable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from bwc_desk.services.foreground import PERSON

MAX_GAP = 0.08  # seconds between two keys of one scan (scanners: 1-20 ms; people: 100+)
MIN_LENGTH = 4  # shorter bursts are people pressing keys together, not codes
# Enter may trail the code a little (some scanners pause before their suffix, and a busy
# station reads its keyboard in batches): the code itself is what must come at speed.
ENTER_WITHIN = 1.0
# A person may type a short PIN as fast as a scanner (digits, then Enter). A longer run of
# digits at that speed is a barcode. (The domain asks for at least 6 digits and sets no most.)
MAX_TYPED_PIN = 12
HIDDEN = "\u2022"  # what a burst holds for a key typed into a hidden field (never the key)


def is_hidden(widget: object) -> bool:
    """A field that does not show what is typed into it (a password, a PIN)."""
    return isinstance(widget, QLineEdit) and widget.echoMode() != QLineEdit.EchoMode.Normal


def could_be_pin(text: str) -> bool:
    """True if a burst of keys could be a PIN typed by a person rather than a scanned code."""
    return 0 < len(text) <= MAX_TYPED_PIN and text.isdigit() and text.isascii()


class ScanBurst:
    """The keys of one burst and how far apart they came. A key's time is its own (``at``:
    the window system's time of the key, in seconds) where it has one, so that keys a
    person typed while the station was busy, handled together, keep their gaps; else the
    clock's reading as it is handled (synthetic keys, tests)."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, max_gap: float = MAX_GAP
    ) -> None:
        self.clock = clock
        self.max_gap = max_gap
        self.text = ""
        self._last: float | None = None
        self._stamped = False  # the last key's time was its own (not the clock's)

    def _gap(self, at: float | None) -> tuple[float, float | None]:
        """When this key came, and how long after the last (None: no last key, or one timed
        by the other clock, or later than this one: the window system's clock wrapped)."""
        now = self.clock() if at is None else at
        if self._last is None or self._stamped != (at is not None) or now < self._last:
            return now, None
        return now, now - self._last

    def key(self, char: str, at: float | None = None) -> bool:
        """A printable key arrived. True if it starts a new burst (the moment to remember
        what the focused field held before it)."""
        now, gap = self._gap(at)
        fresh = gap is None or gap > self.max_gap
        if fresh:
            self.text = ""
        self.text += char
        self._last, self._stamped = now, at is not None
        return fresh

    def enter(self, at: float | None = None) -> str | None:
        """Enter arrived: the code, if the keys since the burst began were a scan."""
        _now, gap = self._gap(at)
        fast = gap is not None and gap <= ENTER_WITHIN
        code = self.text if fast and len(self.text.strip()) >= MIN_LENGTH else None
        self.reset()
        return code

    def reset(self) -> None:
        self.text = ""
        self._last = None


class FieldText:
    """A field's text and cursor, as they were before a burst fell into it (a Restorable)."""

    def __init__(self, field: QLineEdit) -> None:
        self.field, self.text, self.cursor = field, field.text(), field.cursorPosition()

    def restore(self) -> None:
        self.field.setText(self.text)
        self.field.setCursorPosition(self.cursor)


@runtime_checkable
class TypedBursts(Protocol):
    """A dialog with a field that a person may fill at scanner speed (a PIN)."""

    def typed_by_hand(self, field: object) -> bool:
        """True if what a burst left in ``field`` is the person's answer, not a scan."""
        ...


class Restorable(Protocol):
    """What a burst changed where it fell, as it was before the burst began."""

    def restore(self) -> None: ...


class ScanWatch(QObject):
    """The key watch the counter view and its dialogs share: a burst at scanner speed that
    ends in Enter is a scan. Its Enter is swallowed, what the burst changed is put back
    (``snapshot``, taken as the burst begins) and the code goes to ``scanned`` ('' for a
    burst typed into a hidden field: never shown). Ctrl or Alt with a key, and Tab or
    Backtab, end a burst (a shortcut or the next field, never part of a code). A subclass
    says which key events are its to count (``counts``: a key a child did not take travels
    on to its parents, counted once), what to keep (``snapshot``), whether a burst is a scan
    where it fell (``is_scan``, ``hidden_is_scan``) and what a scan does (``scanned``)."""

    # A watch whose ``counts`` takes only the keys of the widget with the keyboard's focus
    # watches only that one of its widgets (see ``watch``).
    follows_focus: ClassVar[bool] = False

    def __init__(self, parent: QObject, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.burst = ScanBurst(clock)
        self._before: Restorable | None = None
        self._hidden = False  # the burst's keys were typed into a hidden field
        self._read = False  # ... and every one of them was kept (``reads_hidden``)
        self._widgets: set[QWidget] = set()  # (follows_focus: the widgets it may watch)
        self._on: QWidget | None = None  # (follows_focus: the one it watches now)
        self._always: set[QObject] = set()  # watched whatever has the focus (watch_always)

    def watch(self, widgets: Iterable[QWidget]) -> None:
        # Only the widgets that can take the keyboard's focus (a key goes to the one that has
        # it): a filter in Python on every label, frame and viewport made each of their
        # paints a call into Python (one that waits for the GIL while a worker reads).
        # Following the focus, only the one that has it: a filter sees every event of its
        # widget, and the counter's answer repainted some forty buttons, boxes and lists
        # a scan, each paint a call into Python that waited for the interpreter.
        for widget in widgets:
            if widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
                continue
            if not self.follows_focus:
                widget.installEventFilter(self)
            elif not self._widgets:
                self._widgets.add(widget)
                app = QApplication.instance()
                if isinstance(app, QApplication):
                    app.focusChanged.connect(self._focus_moved)
            else:
                self._widgets.add(widget)
        if self.follows_focus:
            self._focus_moved(None, QApplication.focusWidget())

    def unfollow(self) -> None:
        """(follows_focus) Watch none of its widgets from now on, and stop following the
        focus (a dialog that is done: the application's every focus change called it)."""
        if not self._widgets:
            return
        self._widgets.clear()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_moved)
        on, self._on = self._on, None
        if on is not None and shiboken6.isValid(on) and on not in self._always:
            on.removeEventFilter(self)

    def watch_always(self, target: QObject) -> None:
        """Watch ``target`` whatever has the focus (a drop-down's open list, a page or a
        dialog the keys go to when no child of theirs has the focus)."""
        self._always.add(target)
        target.installEventFilter(self)

    @Slot(QWidget, QWidget)  # (a slot of its own: disconnected as the watch goes)
    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if "_widgets" not in self.__dict__:
            return  # (a dialog's watch as it is destroyed: Qt calls on a bare wrapper)
        on = self._on
        if on is not None and on is not new:
            if shiboken6.isValid(on) and on not in self._always:
                on.removeEventFilter(self)
            self._on = None
        if new is not None and new is not on and new in self._widgets:
            new.installEventFilter(self)
            self._on = new

    def watching(self) -> QWidget | None:
        """(follows_focus) The widget watched now: the focus widget if it is one of its."""
        return self._on

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if event.type() == QEvent.Type.KeyPress and self._key(watched, event):
            return True
        return super().eventFilter(watched, event)

    def _end(self) -> None:
        self.burst.reset()
        self._before, self._hidden, self._read = None, False, False

    def _key(self, watched: Any, event: Any) -> bool:
        if not self.counts(watched):
            return False
        PERSON.touch()  # (a burst's every key: the idle watch sees only its first)
        if event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ) or event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self._end()
            return False
        # The key's own time (the window system's, in ms) where it has one: keys that
        # waited while the station was busy are handled together, their times stay apart.
        stamp = event.timestamp()
        at = stamp / 1000.0 if stamp else None
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            code = self.burst.enter(at)
            before, hidden, read = self._before, self._hidden, self._read
            self._end()
            if code is None:
                return False  # a person's Enter: where it fell
            if hidden and not read and not self.hidden_is_scan(watched):
                return False
            if (read or not hidden) and not self.is_scan(watched, code):
                return False
            if before is not None:
                before.restore()
            self.scanned("" if hidden and not read else code)
            return True
        char = event.text()
        if len(char) == 1 and char.isprintable():
            hidden = is_hidden(watched)
            if hidden != self._hidden:  # hidden keys never join other keys, nor they them
                self._end()
                self._hidden = hidden
            read = hidden and self.reads_hidden(watched)
            if self.burst.key(HIDDEN if hidden and not read else char, at):
                self._before = self.snapshot(watched)  # as it was before this burst began
                self._read = read
            else:
                self._read = self._read and read
        return False

    def counts(self, watched: Any) -> bool:
        raise NotImplementedError

    def snapshot(self, watched: Any) -> Restorable | None:
        raise NotImplementedError

    def is_scan(self, watched: Any, code: str) -> bool:
        return True

    def reads_hidden(self, watched: Any) -> bool:
        """Whether the keys typed into this hidden field are kept (in memory, for
        ``is_scan`` to judge by the code's form) instead of a placeholder each: never,
        unless the watch tells a code from a password by its form."""
        return False

    def hidden_is_scan(self, watched: Any) -> bool:
        """Whether a burst typed into a hidden field is a scan: never, unless the watch
        knows what a person's answer there looks like (a PIN)."""
        return False

    def scanned(self, code: str) -> None:
        raise NotImplementedError
