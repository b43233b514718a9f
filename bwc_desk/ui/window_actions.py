"""The main window's menu actions that open a dialog or a file: exports, backups, the
administration dialogs and About (a part of MainWindow, kept apart for its size)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMainWindow, QMessageBox

from bwc_desk.services import backups
from bwc_desk.services.settings import AgencySettings, get_settings
from bwc_desk.services.stations import StationInfo
from bwc_desk.ui.files import open_file, save_file
from bwc_desk.ui.ops import ExportOp
from bwc_desk.ui.state import AppState

EXPORTED = {"officers": "the officers", "units": "the units", "custody": "the custody history",
            "audit": "the audit log"}


class WindowActions(QMainWindow):
    """The window's actions; MainWindow is one of these."""

    state: AppState
    station: StationInfo

    def apply_settings(self, settings: AgencySettings) -> None:
        raise NotImplementedError

    def _export(self, name: str) -> None:
        from bwc_desk.services import audit, exports

        fn = audit.export_audit if name == "audit" else getattr(exports, f"export_{name}")
        path = save_file(self, f"Export {name}", f"{name}.csv", "CSV files (*.csv)")
        if not path:
            return
        what = EXPORTED.get(name, name)
        # (A large agency's custody history is two million rows: half a minute or more, on a
        # worker. The status bar says so until it is written or refused.)
        self.state.message.emit(f"Exporting {what} to {path}...", 0)

        def failed(exc: BaseException) -> None:
            self.state.message.emit(f"{what.capitalize()} not exported.", 8000)
            self.state.report(exc)

        self.state.run(
            ExportOp(
                lambda ctx: fn(ctx, Path(path)),
                lambda n: self.state.message.emit(f"Exported {n:,} {name} rows to {path}", 8000),
                parent=self,
                on_error=failed,
            )
        )

    def back_up_now(self) -> None:
        self.state.message.emit("Backing up...", 0)
        self.state.write(
            backups.backup_now,
            lambda info: self.state.message.emit(
                f"Backed up to {info.path} ({info.size / 2**20:.1f} MB, checked {info.integrity}).",
                10000,
            ),
        )

    def restore_backup(self) -> None:
        folder = ""
        if self.station.backups_folder is not None:
            folder = str(self.station.backups_folder)
        path = open_file(self, "Restore from a backup", "BWC Desk backups (*.sqlite3)", folder)
        if not path:
            return
        answer = QMessageBox.question(
            self,
            "Restore from a backup",
            f"Replace everything in this database with\n{path}?\n\nThe backup is checked "
            "first (integrity and records); the current database is kept as a backup. BWC "
            "Desk closes afterwards; start it again.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def restored(result: Any) -> None:
            check, kept = result
            QMessageBox.information(
                self,
                "Restored",
                f"Restored {check.path}.\nThe previous database was kept as {kept.path}.\n\n"
                "BWC Desk will now close; start it again and sign in.",
            )
            self.close()

        self.state.write(lambda ctx: backups.restore_as(ctx, Path(path)), restored)

    def show_staff(self) -> None:
        from bwc_desk.ui.dialogs.staff_dialog import StaffDialog

        StaffDialog(self.state, self).exec()

    def show_settings(self) -> None:
        from bwc_desk.ui.dialogs.settings_dialog import SettingsDialog

        def edit(current: AgencySettings) -> None:
            dialog = SettingsDialog(self.state, current, self)  # saves through the service
            dialog.written.connect(self.apply_settings)
            dialog.exec()

        self.state.read(get_settings, edit)

    def show_directory(self) -> None:
        from bwc_desk.services.directory_admin import load_config
        from bwc_desk.ui.dialogs.directory_dialog import DirectoryDialog

        def edit(config: Any) -> None:
            DirectoryDialog(self.state, config, self).exec()

        self.state.read(load_config, edit)

    def show_audit(self) -> None:
        from bwc_desk.ui.dialogs.audit_dialog import AuditDialog

        AuditDialog(self.state, self).exec()

    def show_verify(self) -> None:
        from bwc_desk.ui.dialogs.verify_dialog import VerifyDialog

        dialog = VerifyDialog(self.state, self)
        dialog.recorded.connect(self.refresh_verify_banner)  # (a pass clears a FAILED banner)
        dialog.exec()

    def refresh_verify_banner(self) -> None:
        from bwc_desk.services.auto_verify import standing

        banner = getattr(self, "verify_banner", None)
        if banner is not None:
            self.state.read(standing, banner.show_standing, lambda _exc: None,
                            key="verify-standing")

    def change_password(self) -> None:
        from bwc_desk.ui.dialogs.password_dialog import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.state, self)
        if dialog.exec():
            self.state.message.emit(
                "Your password is changed: use the new one from your next sign-in.", 10_000
            )

    def show_about(self) -> None:
        from bwc_desk.ui.dialogs.about_dialog import AboutDialog

        ctx = self.state.ctx
        AboutDialog(self.station.database, self.state.log_dir, ctx.station, self).exec()
