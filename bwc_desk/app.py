"""The composition root: logging, the database, sign-in, and the main window, wired."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import logging.handlers
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from bwc_desk import __version__

log = logging.getLogger("bwc_desk")
_fault_file: Any = None


def setup_logging(folder: Path) -> Path:
    """Rotating log in the user log folder; faulthandler writes hard crashes beside it."""
    global _fault_file
    folder.mkdir(parents=True, exist_ok=True)
    logfile = folder / "bwc-desk.log"
    handler = logging.handlers.RotatingFileHandler(
        logfile, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    _fault_file = (folder / "crash.log").open("a", encoding="utf-8")
    faulthandler.enable(_fault_file)
    log.info("BWC Desk %s starting (pid %s)", __version__, os.getpid())
    return logfile


def run_gui(args: argparse.Namespace) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from bwc_desk.services.resources import resources_dir
    from bwc_desk.store import paths

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

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.critical("unexpected error:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
        QMessageBox.critical(
            None,
            "BWC Desk - unexpected error",
            f"BWC Desk hit an unexpected error: {exc}\n\nThe details were written to the "
            f"log file:\n{logfile}\n\nPlease send that file to your administrator.",
        )

    sys.excepthook = excepthook
    from bwc_desk.launcher import Launcher

    launcher = Launcher(app, args, str(paths.log_dir()))
    return launcher.start()
