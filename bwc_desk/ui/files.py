"""Where file dialogs start: the user's Documents folder (not the folder the program was
started from, which on a station PC is the install folder), then wherever the last file was
saved or opened in this session."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

_last_folder: list[Path] = []


def start_folder() -> Path:
    if _last_folder and _last_folder[-1].is_dir():
        return _last_folder[-1]
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return Path(documents)
    return Path.home()


def _remember(path: str) -> str:
    if path:
        _last_folder[:] = [Path(path).parent]
    return path


def save_file(parent: QWidget | None, title: str, name: str, filters: str) -> str:
    """The path the user chose to save ``name`` to, or "" if they cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(start_folder() / name), filters)
    return _remember(path)


def open_file(parent: QWidget | None, title: str, filters: str, folder: str = "") -> str:
    """The file the user chose to open (starting in ``folder`` if given), or ""."""
    path, _ = QFileDialog.getOpenFileName(parent, title, folder or str(start_folder()), filters)
    return _remember(path)
