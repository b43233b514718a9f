"""A start-up as a person has it: the app starts on its sign-in form (no password handed over
on stdin), the person reads it and types, and presses Enter. Two waits:

- until the sign-in form is shown and painted (from the process's start): the person cannot
  type before;
- from the Enter until the first view has its rows (the launcher's DATA marker): the password
  checked (Argon2id), the window built, the counter's Out now read.

What the app does while the person types (it imports the window's modules then: see
``launcher.preload_window``) is in neither: the person is typing. Run as a process of its own
by benchmarks/startup.py:

    python -m benchmarks.sign_in_path DATABASE USER PASSWORD TYPING_S

prints ``BWC-SIGN-IN-SHOWN`` when the form is first painted (the caller times that from the
process's start, as it times the bare window) and at the end one line
``BWC-SIGN-IN-PATH enter_to_rows=S`` (seconds). The app's own code
runs unchanged: this module watches its sign-in form from outside (an import hook on the
form's module), types into the form's window as the window system would deliver keys, and
reads the launcher's markers from stdout."""

from __future__ import annotations

import time

T0 = time.perf_counter()  # (the first statement: as near the process's start as Python gets)

import importlib.abc  # noqa: E402
import importlib.util  # noqa: E402
import sys  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

DATA = "BWC-DESK-DATA"
SHOWN = "BWC-SIGN-IN-SHOWN"
FORM = "bwc_desk.ui.dialogs.sign_in_dialog"


class _Times:
    shown: float | None = None
    enter: float | None = None
    rows: float | None = None


def _now() -> float:
    return time.perf_counter() - T0


class _Stdout:
    """The launcher's markers, timed as they are written."""

    def __init__(self, out: Any) -> None:
        self._out = out

    def write(self, text: str) -> int:
        if DATA in text and _Times.rows is None:
            _Times.rows = _now()
        return int(self._out.write(text))

    def flush(self) -> None:
        self._out.flush()


def _drive(module: ModuleType, user: str, password: str, typing_s: float) -> None:
    """Wrap the form's exec(): time its first paint, then type as a person would."""
    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtTest import QTest

    form_class = module.SignInDialog
    real_init = form_class.__init__

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and _Times.shown is None:
                _Times.shown = _now()
                # (whether SQLAlchemy was loaded before the form was painted: tests read it)
                print(SHOWN, f"stack_loaded={'sqlalchemy' in sys.modules}", flush=True)
                QTimer.singleShot(int(typing_s * 1000), self.type_in)
            return False

        def type_in(self) -> None:
            dialog = self.parent()
            window = dialog.windowHandle()
            dialog.user_edit.setFocus()
            for char in user:
                QTest.keyClick(window, char)
            QTest.keyClick(window, Qt.Key.Key_Tab)
            for char in password:
                QTest.keyClick(window, char)
            _Times.enter = _now()
            QTest.keyClick(window, Qt.Key.Key_Return)

    def init(dialog: Any, *args: Any, **kwargs: Any) -> None:
        # (At its construction: the form may be painted before its exec(), when the app
        # shows it first and opens the database behind it.)
        real_init(dialog, *args, **kwargs)
        dialog.installEventFilter(FirstPaint(dialog))

    form_class.__init__ = init


class _WhenLoaded(importlib.abc.MetaPathFinder):
    """Calls ``then(module)`` once the form's module has run (imported when the app needs
    it, in its own order: importing it here first would change what is timed)."""

    def __init__(self, then: Any) -> None:
        self.then = then

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != FORM:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        real = loader.exec_module
        then = self.then

        def exec_module(module: ModuleType) -> None:
            real(module)
            then(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def main(argv: list[str]) -> int:
    database, user, password, typing_s = argv[1], argv[2], argv[3], float(argv[4])
    sys.meta_path.insert(0, _WhenLoaded(lambda m: _drive(m, user, password, typing_s)))
    sys.stdout = _Stdout(sys.stdout)  # type: ignore[assignment]
    from bwc_desk.__main__ import main as app_main

    code = app_main(["--database", database, "--exit-when-idle"])
    sys.stdout = sys.__stdout__
    if code != 0 or None in (_Times.shown, _Times.enter, _Times.rows):
        print(f"the sign-in path did not complete (exit {code}; shown {_Times.shown}, "
              f"enter {_Times.enter}, rows {_Times.rows})", file=sys.stderr)
        return 1
    assert _Times.rows is not None and _Times.enter is not None
    print(f"BWC-SIGN-IN-PATH enter_to_rows={_Times.rows - _Times.enter:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
