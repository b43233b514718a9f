"""Help > About: version, database, log folder."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from bwc_desk import __version__


class AboutDialog(QDialog):
    def __init__(
        self, database: str, log_dir: str, station: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("About BWC Desk")
        text = QLabel(
            f"<h3>BWC Desk {__version__}</h3>"
            "<p>Body-worn camera custody for evidence rooms. Free software, vendor-neutral."
            "</p><table cellspacing=4>"
            f"<tr><td><b>Version</b></td><td>{__version__}</td></tr>"
            f"<tr><td><b>Station</b></td><td>{station}</td></tr>"
            f"<tr><td><b>Database</b></td><td>{database}</td></tr>"
            f"<tr><td><b>Log folder</b></td><td>{log_dir}</td></tr></table>"
        )
        text.setObjectName("about_text")
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
