"""The composition root: logging, the database, sign-in, and the main window, wired."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import logging.handlers
import os
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from bwc_desk import __version__

log = logging.getLogger("bwc_desk")
_fault_file: Any = None
# What opening the database and signing in need, imported before PySide6: once PySide6 is
# loaded it reads the source of each module imported after it (looking for `from __feature__
# import`), which costs more than the import of a small module itself. The window's modules
# and the views' services are imported during the sign-in (`launcher.preload_window`), while
# Argon2id leaves the interpreter free.
BEFORE_QT = (
    "bwc_desk.adapters.heap",
    "bwc_desk.services.startup",
    "bwc_desk.services.auth",
    "bwc_desk.services.stations",
    "bwc_desk.services.settings",
)


def skip_feature_scan_of_own_modules() -> None:
    """PySide6 reads the whole source of every module imported after it, to see whether the
    module might write ``from __feature__ import ...`` (snake_case, true_property): about
    0.7 ms a module, 100 of BWC Desk's modules on the way to the first view (and SQLAlchemy's
    200 when the sign-in form is shown first), and more as each view is first shown. BWC
    Desk selects no such feature (``tests/test_startup_imports`` checks) and the frozen build
    has no sources to read, so there PySide6 already takes every module for one that does
    not use it. Here too, without reading: every module but BWC Desk's UI (which uses
    PySide6, as its source would have said). Nothing happens if this PySide6 has no such
    scan."""
    try:
        from shibokensupport import feature  # type: ignore[import-not-found]
    except ImportError:
        return
    read_source = getattr(feature, "_mod_uses_pyside", None)
    if read_source is None or getattr(read_source, "bwc_desk", False):
        return

    def uses_pyside(module: Any) -> bool:
        name = getattr(module, "__name__", "")
        return name in ("bwc_desk.app", "bwc_desk.launcher", "bwc_desk.ui") or name.startswith(
            "bwc_desk.ui."
        )

    uses_pyside.bwc_desk = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = uses_pyside


def private_log_handler(folder: Path) -> logging.handlers.RotatingFileHandler:
    """The rotating log, whose files (the current one and each new one after a rotation)
    only this account can read: they name staff, officers and cameras."""
    from bwc_desk.store import paths

    class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
        def _open(self) -> Any:
            return paths.open_private(Path(self.baseFilename), self.mode, self.encoding or "utf-8")

    paths.ensure_private_dir(folder, tighten=True)
    handler = PrivateRotatingFileHandler(
        folder / "bwc-desk.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
    )
    for old in folder.glob("bwc-desk.log*"):
        paths.tighten_file(old)
    return handler


def open_crash_log(folder: Path) -> Any:
    from bwc_desk.store import paths

    paths.ensure_private_dir(folder, tighten=True)
    return paths.open_private(folder / "crash.log", "a")


def setup_logging(folder: Path) -> Path:
    """Rotating log in the user log folder; faulthandler writes hard crashes beside it."""
    global _fault_file
    handler = private_log_handler(folder)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    _fault_file = open_crash_log(folder)
    faulthandler.enable(_fault_file)
    log.info("BWC Desk %s starting (pid %s)", __version__, os.getpid())
    return Path(handler.baseFilename)


def _show_error_box(text: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.critical(None, "BWC Desk - unexpected error", text)


def make_excepthook(logfile: str) -> Any:
    """The application's last word on an error nothing else caught: logged, and said in a
    box that names the log file. The box only ever on the main thread: opened from a worker
    (a task ending after the quit), it stayed black and froze the station."""

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.critical("unexpected error:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
        if threading.current_thread() is not threading.main_thread():
            return  # (logged: a worker opens no window)
        _show_error_box(
            f"BWC Desk hit an unexpected error: {exc}\n\nThe details were written to the "
            f"log file:\n{logfile}\n\nPlease send that file to your administrator."
        )

    return excepthook


def sign_in_form_first(args: argparse.Namespace) -> bool:
    """A person signs in on a database already set up: the sign-in form goes on the screen
    before the database is opened (``ui/early_sign_in.py``). Not for the demo (it may build
    its agency first) nor a sign-in handed over on stdin (nobody reads a form)."""
    if getattr(args, "sign_in_stdin", False) or getattr(args, "demo", False):
        return False
    from bwc_desk.store import config

    try:
        config.load()  # (a station.json that cannot be read: the usual order reports it)
        return config.set_up_database_named(getattr(args, "database", None))
    except Exception:
        return False


def run_gui(args: argparse.Namespace) -> int:
    import gc
    import importlib

    # Python never collects cycles by itself in the application: a collection that a worker
    # thread happens to run frees the Qt objects it finds on that thread (a crash). Nothing
    # is collected while the start-up builds what lives as long as the process (the
    # modules, the window, the first view's rows); then the main thread's GarbageKeeper
    # collects (ui/garbage.py; the launcher once while a person types).
    gc.disable()
    form_first = sign_in_form_first(args)
    if not form_first:
        for name in BEFORE_QT:
            importlib.import_module(name)
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    skip_feature_scan_of_own_modules()
    from bwc_desk.adapters import heap
    from bwc_desk.services.resources import resources_dir
    from bwc_desk.store import paths

    heap.limit_arenas()  # before Qt and the worker pools start their threads
    logfile = setup_logging(paths.log_dir())
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("BWC Desk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("bwc-desk")
    icon = resources_dir() / "icons" / "bwc-desk.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    app.setAttribute(Qt.ApplicationAttribute.AA_DontShowIconsInMenus, False)

    sys.excepthook = make_excepthook(str(logfile))
    early = None
    if form_first:
        from bwc_desk.store import config
        from bwc_desk.ui.early_sign_in import EarlySignIn

        early = EarlySignIn(config.load().station_name or config.default_station_name())
        early.show()
        for name in BEFORE_QT:
            importlib.import_module(name)
    from bwc_desk.launcher import Launcher

    launcher = Launcher(app, args, str(paths.log_dir()), early=early)
    return launcher.start()
