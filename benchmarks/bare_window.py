"""Baseline: a bare PySide6 window with a tab widget and a table, shown, then idle."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView, QTabWidget


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    tabs = QTabWidget()
    table = QTableView()
    table.setModel(QStandardItemModel(20, 8))
    tabs.addTab(table, "Table")
    window.setCentralWidget(tabs)
    window.resize(1400, 860)
    window.show()
    QTimer.singleShot(0, lambda: (print("BWC-DESK-IDLE", flush=True), app.quit()))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
