"""Sounds at the counter: a short one for each good scan, a distinct one for a problem.

Windows plays the system sounds (winsound ships with Python); elsewhere Qt's beep is used,
once for a good scan and three times for a problem. Tests and headless runs record what
would have sounded."""

from __future__ import annotations

import sys
from enum import StrEnum

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


class Sound(StrEnum):
    OK = "ok"
    ERROR = "error"
    NOTICE = "notice"


class Feedback:
    def __init__(self) -> None:
        self.played: list[Sound] = []
        self.enabled = True

    def play(self, sound: Sound) -> None:
        self.played.append(sound)
        if not self.enabled:
            return
        if sys.platform == "win32":  # pragma: no cover - Windows only
            import winsound

            flags = {
                Sound.OK: winsound.MB_OK,
                Sound.ERROR: winsound.MB_ICONHAND,
                Sound.NOTICE: winsound.MB_ICONEXCLAMATION,
            }
            winsound.MessageBeep(flags[sound])
            return
        beeps = {Sound.OK: 1, Sound.NOTICE: 2, Sound.ERROR: 3}[sound]
        for i in range(beeps):
            QTimer.singleShot(i * 160, QApplication.beep)
