"""Verify records: both chains walked on a worker; the result and the chain heads, which an
auditor can print or save to keep outside this PC."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.roles import Permission
from bwc_desk.services import anchors, auto_verify, signing, verify
from bwc_desk.services.auto_verify import VerifyStatus
from bwc_desk.services.key_revocation import Revoked
from bwc_desk.services.verify import ChainHeads, VerifyResult
from bwc_desk.ui.files import save_file
from bwc_desk.ui.state import AppState


class VerifyDialog(QDialog):
    recorded = Signal()  # the run is in the audit log (the window's banner follows it)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.heads: ChainHeads | None = None
        self.setWindowTitle("Verify records - BWC Desk")
        self.resize(820, 420)
        self.status = QLabel("Walking the custody ledger and the audit log...", self)
        self.status.setObjectName("verify_status")
        self.status.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFont(QFont("monospace"))
        self.copy_button = QPushButton("&Copy chain heads")
        self.save_button = QPushButton("&Save chain heads...")
        self.print_button = QPushButton("&Print chain heads...")
        self.key_button = QPushButton("&Register a station key...")
        self.key_button.setObjectName("register_key")
        self.revoke_button = QPushButton("Re&voke key...")
        self.revoke_button.setObjectName("revoke_key")
        self.anchor_button = QPushButton("&Anchor now")
        self.anchor_button.setObjectName("anchor_now")
        # What the one signed in may not do is disabled before any prompt, the tooltip
        # saying who may (the services refuse it too).
        for button, permission, tip in (
            (self.key_button, Permission.MANAGE_STAFF,
             "Administrators: register this station's key (the first one is the trust root) "
             "or, from a station whose key is registered, another station's public key"),
            (self.revoke_button, Permission.MANAGE_STAFF,
             "Administrators: revoke the key of a stolen or rebuilt station PC (nothing it "
             "signs from then on is trusted)"),
            (self.anchor_button, Permission.VERIFY,
             "Append every chain's head, signed, to the anchor file in the agency's Anchor "
             "folder (Settings)"),
        ):
            may = state.can(permission)
            button.setEnabled(may)
            button.setToolTip(tip if may else state.why_not(permission))
        # A failed key registration or anchor is said here, never over the verdict above.
        self.action_error = QLabel(self)
        self.action_error.setObjectName("verify_action_error")
        self.action_error.setWordWrap(True)
        self.action_error.setStyleSheet("color: #b91c1c;")
        self.action_error.hide()
        close = QPushButton("Close")
        buttons = QHBoxLayout()
        for b in (self.copy_button, self.save_button, self.print_button):
            b.setEnabled(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.key_button)
        buttons.addWidget(self.revoke_button)
        buttons.addWidget(self.anchor_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        # The daily run in the background (services/auto_verify.py): when, where, its verdict.
        self.auto_status = QLabel("Automatic verification: ...", self)
        self.auto_status.setObjectName("verify_auto_status")
        self.auto_status.setWordWrap(True)
        layout.addWidget(self.auto_status)
        layout.addWidget(self.text)
        layout.addWidget(self.action_error)
        layout.addLayout(buttons)
        close.clicked.connect(self.accept)
        self.copy_button.clicked.connect(self._copy)
        self.save_button.clicked.connect(self._save)
        self.print_button.clicked.connect(self._print)
        self.key_button.clicked.connect(self._register_key)
        self.revoke_button.clicked.connect(self._revoke_key)
        self.anchor_button.clicked.connect(self._anchor)
        self.keys_text = ""
        self.revoke_dialog: QDialog | None = None
        self.outcome: VerifyResult | None = None
        # The walk is a read (it can take a while on a large ledger); its record in the
        # audit log is a write of its own, on the writer, once the result is known.
        state.read(verify.check_records, self._verified, self._failed)
        state.read(auto_verify.last_automatic, self._auto_shown, lambda _exc: None)

    def _auto_shown(self, last: VerifyStatus | None) -> None:
        if last is None:
            self.auto_status.setText(
                "Automatic verification: none yet (once a day, in the background, when "
                "Agency settings say so).")
            return
        self.auto_status.setText(
            f"Last automatic verification: {last.at:%Y-%m-%d %H:%M} UTC at {last.station}: "
            f"{last.verdict.upper()}" + (f": {last.first_problem}" if last.first_problem else ""))

    def _verified(self, result: VerifyResult) -> None:
        self.outcome = result
        self.state.write(lambda ctx: verify.record_verification(ctx, result),
                         lambda _none: self.recorded.emit())
        # The verdict says what was proven and what was not, in the command line's words:
        # "nothing was removed" only ever up to a record a signature or anchor covers.
        headline, *rest = result.verdict()
        word, _, tail = headline.partition(":")
        # Amber when every record matches but nothing signs them (no station key).
        colour = "#b91c1c" if not result.ok else "#b45309" if result.warning else "#15803d"
        self.status.setText(
            f"<b style='color:{colour}'>{escape(word)}</b>:{escape(tail)}"
            + "".join(f"<br>{escape(line)}" for line in rest)
        )
        self.text.setPlainText("\n".join(result.lines()))
        if result.ok:
            self.state.read(verify.chain_heads, self._heads)
        else:
            # A failed chain's heads are not offered for keeping outside: kept, they would
            # vouch for records that did not verify.
            self.text.appendPlainText(
                "\nChain heads are not offered for keeping while a chain fails: find what "
                "happened first (docs/ledger.md)."
            )
            self._show_failure()
            self.state.read(signing.key_summary, self._keys)

    def _heads(self, heads: ChainHeads) -> None:
        self.heads = heads
        self.text.appendPlainText("\n" + heads.text())
        for b in (self.copy_button, self.save_button, self.print_button):
            b.setEnabled(True)
        self.state.read(signing.key_summary, self._keys)

    def _show_failure(self) -> None:
        """The first FAILED line in view (it was above the fold, under the key summary)."""
        found = self.text.document().find("FAILED")
        if not found.isNull():
            self.text.setTextCursor(found)
            self.text.ensureCursorVisible()

    def _keys(self, summary: str) -> None:
        self.keys_text = summary
        self.text.appendPlainText("\n" + summary)
        if self.outcome is not None and not self.outcome.ok:
            self._show_failure()

    def _register_key(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        station, ok = QInputDialog.getText(
            self, "Register a station key", "Station name:", text=self.state.ctx.station
        )
        if not ok or not station.strip():
            return
        public: str | None = None
        if station.strip() != self.state.ctx.station:
            public, ok = QInputDialog.getText(
                self,
                "Register a station key",
                f"Public key of {station} (the 64 hex digits `bwc-desk keys show` prints "
                "there):",
            )
            if not ok:
                return
        self.state.write(
            lambda ctx: signing.register_key(ctx, station.strip(), public),
            lambda row: self._done(f"Registered the key of {row.station}: {row.fingerprint}"),
            self._failed_action,
        )

    def _revoke_key(self) -> None:
        from bwc_desk.ui.dialogs.revoke_key_dialog import RevokeKeyDialog

        self.revoke_dialog = RevokeKeyDialog(self.state, self)
        self.revoke_dialog.written.connect(self._revoked)
        self.revoke_dialog.open()

    def _revoked(self, done: Revoked) -> None:
        self.text.appendPlainText(
            f"\nRevoked the key of {done.station}: {done.fingerprint}, "
            f"{done.revocation.text()}"
        )
        if done.own:
            self.text.appendPlainText(
                "That was this station's own key: it signs nothing until it has a new "
                "registered key. " + signing.NEW_KEY_HINT.format(station=done.station)
            )
        self.state.read(signing.key_summary, self._keys)

    def _anchor(self) -> None:
        self.state.write(
            anchors.anchor_now,
            lambda anchor: self._done(f"Anchored to {anchor.path}"),
            self._failed_action,
        )

    def _done(self, text: str) -> None:
        self.action_error.hide()
        self.text.appendPlainText("\n" + text)

    def _failed_action(self, exc: BaseException) -> None:
        self.action_error.setText(str(exc))
        self.action_error.show()

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Verification could not run: {exc}")

    def _copy(self) -> None:
        if self.heads is not None:
            QGuiApplication.clipboard().setText(self.heads.text())

    def _save(self) -> None:
        if self.heads is None:
            return
        path = save_file(
            self, "Save chain heads", "bwc-desk-heads.txt", "Text files (*.txt)"
        )
        if path:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(self.heads.text())

    def _print(self) -> None:
        if self.heads is None:
            return
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        if QPrintDialog(printer, self).exec():
            doc = QTextDocument()
            doc.setPlainText(self.heads.text())
            doc.print_(printer)
