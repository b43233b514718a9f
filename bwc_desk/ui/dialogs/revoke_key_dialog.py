"""Revoke a station key (Administration > Verify records): a stolen or rebuilt station PC.

Saved through ``services.key_revocation.revoke_key``: an endorsed, append-only revocation
record (who, which station, UTC, why) and its audit record. The administrator picks one of
the active keys, gives the reason and ticks the confirmation (it cannot be undone); a
refusal (the last active key, this station's own key revoked) is shown in the service's
words, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from bwc_desk.services import key_revocation, signing
from bwc_desk.services.context import Ctx
from bwc_desk.services.signing import KeyRow
from bwc_desk.ui.dialogs.service_dialog import Request, ServiceDialog
from bwc_desk.ui.ops import Lane, QueryOp
from bwc_desk.ui.state import AppState


class RevokeKeyDialog(ServiceDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "Revoke a station key", parent, ok_text="&Revoke key")
        self.heading.setText(
            "Revoke the key of a station PC that was stolen, lost or rebuilt. From now on "
            "nothing that key signs is trusted (verify names it); what it signed before "
            "still counts. Nothing is deleted, and a revocation cannot be undone. This "
            "station endorses the revocation with its own key."
        )
        self.key_box = QComboBox(self)
        self.key_box.setObjectName("key")
        self.key_box.setPlaceholderText("reading the registered keys...")
        self.key_box.setMinimumContentsLength(40)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("reason")
        self.reason_edit.setPlaceholderText('why, e.g. "station PC stolen from the front desk"')
        self.reason_edit.setMaxLength(key_revocation.REASON_MAX)
        self.confirm_box = QCheckBox(
            "I understand: nothing this key signs from now on is trusted, and this cannot "
            "be undone",
            self,
        )
        self.confirm_box.setObjectName("confirm")
        self.form.addRow("&Key", self.key_box)
        self.form.addRow("Rea&son", self.reason_edit)
        self.form.addRow("", self.confirm_box)
        self.changed = ""  # no view follows the key registry; the dialog says what was done
        state.run(
            QueryOp(
                signing.list_keys,
                self._keys,
                parent=self,
                on_error=self._unreadable,
                lane=Lane.INTERACTIVE,
            )
        )

    def _keys(self, rows: list[KeyRow]) -> None:
        self.key_box.clear()
        for row in rows:
            if row.revoked is None:
                self.key_box.addItem(
                    f"{row.station}: {row.fingerprint}{' (trust root)' if row.root else ''}",
                    (row.station, row.key_id),
                )
        if self.key_box.count() == 0:
            self.key_box.setPlaceholderText("no active station key")
        self.key_box.setCurrentIndex(-1)

    def _unreadable(self, exc: BaseException) -> None:
        self.show_error(f"The registered keys could not be read: {exc}")

    def request(self) -> Request | None:
        chosen = self.key_box.currentData()
        if chosen is None:
            self.show_error("Choose the key to revoke.")
            self.key_box.setFocus()
            return None
        if not self.confirm_box.isChecked():
            self.show_error("Tick the box to confirm the revocation: it cannot be undone.")
            self.confirm_box.setFocus()
            return None
        return self.call(), self.changed

    def call(self) -> Callable[[Ctx], Any]:
        station, kid = self.key_box.currentData()
        reason = self.reason_edit.text()
        return lambda ctx: key_revocation.revoke_key(ctx, station, reason, kid)

    def refused(self, exc: BaseException) -> None:
        if "reason" in str(exc).lower():
            self.reason_edit.setFocus()
