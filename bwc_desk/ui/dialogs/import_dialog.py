"""Import units or officers from a CSV file: choose it, see what each line would do, map the
columns if the file names them differently, then import all of it or nothing.

The same service as ``bwc-desk import`` does the work (``commit=False`` for the preview), on a
worker thread; its progress reaches the progress bar through a queued Qt signal, so the worker
never touches a widget.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.adapters.csvfile import normalize_header, other_separator, read_csv
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.values import noun_for, plural
from bwc_desk.services import csv_formats, imports
from bwc_desk.services.context import Ctx
from bwc_desk.services.dto import ImportReport
from bwc_desk.ui.files import open_file
from bwc_desk.ui.models.import_preview_model import (
    ImportPreviewModel,
    PreviewRow,
    preview_rows,
)
from bwc_desk.ui.models.table_model import Prepared
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable

NOT_IN_FILE = "(not in the file)"
# What other systems (asset trackers, vendor consoles, HR exports) call our columns: guessed
# in the columns panel, where the administrator sees the guess and can change it.
ALIASES: dict[str, tuple[str, ...]] = {
    "asset_tag": ("tag", "tag number", "tag no", "asset", "asset number", "asset no", "asset id"),
    "serial": ("serial number", "serial no", "sn", "s/n", "device serial"),
    "model": ("device model", "model name", "product"),
    "firmware": ("firmware version", "fw", "fw version", "version"),
    "purchase_date": ("purchased", "bought", "purchase", "date purchased", "acquired"),
    "warranty_until": ("warranty", "warranty end", "warranty expires", "warranty expiry"),
    "assigned_badge": ("assigned to", "badge", "officer badge", "assigned officer"),
    "notes": ("note", "comments", "remarks"),
    "location": ("kept at", "storage location", "shelf", "bin", "place"),
    "badge": ("badge number", "badge no", "badge #", "employee id", "id number"),
    "last_name": ("surname", "family name", "last"),
    "first_name": ("given name", "first"),
    "scan_code": ("barcode", "id barcode", "badge barcode", "card number"),
}
# Our fields in words, for the columns panel (the CSV's own names are in the tooltips and in
# docs/csv-formats.md).
FIELD_LABELS: dict[str, str] = {
    "asset_tag": "Asset tag",
    "serial": "Serial number",
    "model": "Model",
    "firmware": "Firmware",
    "status": "Status",
    "purchase_date": "Purchase date",
    "warranty_until": "Warranty until",
    "assigned_badge": "Assigned officer's badge",
    "notes": "Notes",
    "location": "Location (where it is kept)",
    "badge": "Badge",
    "last_name": "Last name",
    "first_name": "First name",
    "rank": "Rank",
    "division": "Division",
    "shift": "Shift",
    "active": "Active",
    "scan_code": "ID-badge scan code",
}
Progress = Callable[[int, int], None]


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field) or field.replace("_", " ").capitalize()


def summary(report: ImportReport) -> str:
    """What the import did or would do, in words ('1 line in error', never '1 bad rows')."""
    if report.errors:
        return f"{plural(len(report.errors), 'line')} in error; nothing was written"
    verb = "" if report.committed else "would be "
    return (
        f"{report.added:,} {verb}added, {report.updated:,} {verb}updated, "
        f"{report.unchanged:,} unchanged"
    )


@dataclass(frozen=True)
class Kind:
    name: str  # "units", "officers"
    label: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    run: Callable[..., ImportReport]
    changed: str
    noun: str  # one of what a line is, in the status bar: "camera", "officer"


KINDS = {
    "units": Kind(
        "units",
        "Units (cameras)",
        csv_formats.UNIT_COLUMNS,
        csv_formats.UNIT_REQUIRED,
        imports.import_units,
        "units",
        "camera",
    ),
    "officers": Kind(
        "officers",
        "Officers (the roster)",
        csv_formats.OFFICER_COLUMNS,
        csv_formats.OFFICER_REQUIRED,
        imports.import_officers,
        "officers",
        "officer",
    ),
}


def status_text(report: ImportReport, path: str) -> str:
    """The status bar's line once an import has run: what was imported (the kind the
    service imported, not the one the dialog was opened for), how many, from which file."""
    noun = KINDS[report.kind].noun if report.kind in KINDS else "line"
    name = Path(path).name
    if not report.committed:
        return f"No {noun}s imported from {name}: {summary(report)}."
    counts = [f"{report.added:,} added", f"{report.updated:,} updated"]
    if report.unchanged:
        counts.append(f"{report.unchanged:,} unchanged")
    written = plural(report.added + report.updated, noun)
    return f"Imported {written} from {name} ({', '.join(counts)})."


@dataclass(frozen=True)
class Preview:
    """What the worker found: the file's headers (None if it could not be read), the report
    (None if the header itself is unusable) and the refusal, if any."""

    headers: list[str] | None
    report: ImportReport | None
    rows: Prepared[PreviewRow] | None
    problem: str = ""


def preview_file(
    ctx: Ctx, kind: Kind, path: str, mapping: Mapping[str, str] | None, progress: Progress
) -> Preview:
    """Runs on a worker: reads the header, then the service's dry run."""
    try:
        headers = read_csv(path, kind.columns, ()).headers
    except DomainError as exc:
        return Preview(None, None, None, str(exc))
    try:
        report = kind.run(ctx, path, commit=False, mapping=mapping, progress=progress)
    except DomainError as exc:
        return Preview(headers, None, None, str(exc))
    return Preview(headers, report, ImportPreviewModel.prepare(preview_rows(report)))


class ImportDialog(QDialog):
    # From the worker; queued to the main thread, where the progress bar lives.
    progressed = Signal(int, int)
    preview_ready = Signal(object)  # Preview
    imported = Signal(object)  # ImportReport of the commit

    def __init__(self, state: AppState, kind: str = "units", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.path = ""
        self.headers: list[str] | None = None
        self._remembered: dict[str, str] = {}  # field -> header chosen for the last file
        self.report: ImportReport | None = None
        self._generation = 0
        self._busy = False
        self.setWindowTitle("Import from CSV - BWC Desk")
        self._fit_screen(1240, 760)  # (a line's reasons are long: the room to read them)

        self.kind_box = QComboBox(self)
        self.kind_box.setObjectName("import_kind")
        for k in KINDS.values():
            self.kind_box.addItem(k.label, k.name)
        self.kind_box.setCurrentIndex(list(KINDS).index(kind))
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("import_path")
        self.path_edit.setPlaceholderText(
            "Choose a CSV file, or type or paste its path and press Enter "
            "(docs/csv-formats.md says which)"
        )
        self.choose_button = QPushButton("&Choose file...", self)
        self.choose_button.setObjectName("import_choose")
        top = QHBoxLayout()
        kind_label = QLabel("&Import", self)
        kind_label.setBuddy(self.kind_box)
        top.addWidget(kind_label)
        top.addWidget(self.kind_box)
        top.addWidget(QLabel("from"))
        top.addWidget(self.path_edit, 1)
        top.addWidget(self.choose_button)

        self.columns_box = QGroupBox("Columns: which column of the file holds each field", self)
        self.columns_box.setObjectName("import_columns")
        self.columns_grid = QGridLayout(self.columns_box)
        self.column_combos: dict[str, QComboBox] = {}
        self.columns_box.hide()
        self.columns_toggle = QPushButton("Map &columns...", self)
        self.columns_toggle.setObjectName("import_columns_toggle")
        self.columns_toggle.setCheckable(True)
        self.columns_toggle.setEnabled(False)
        self.columns_toggle.toggled.connect(self.columns_box.setVisible)

        self.message = QLabel(self)
        self.message.setObjectName("import_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.counts = QLabel(self)
        self.counts.setObjectName("import_counts")
        self.model = ImportPreviewModel(self)
        self.table = FilteredTable(self.model, "Filter lines: key, verdict, reason...")
        self.only_errors = QCheckBox("Only &errors", self)
        self.only_errors.setObjectName("import_only_errors")
        self.only_errors.toggled.connect(self._only_errors)
        self.table.top.insertWidget(1, self.only_errors)
        # The current line's verdict and every one of its problems, one a line: the table's
        # cell is cut at the column's width.
        self.line_detail = QLabel(self)
        self.line_detail.setObjectName("import_line_detail")
        self.line_detail.setWordWrap(True)
        self.line_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.line_detail.hide()
        self.table.selection_changed.connect(self._show_line)
        for signal in (  # (another file, a filter: the line may be gone or another)
            self.table.proxy.modelReset,
            self.table.proxy.layoutChanged,
            self.table.proxy.rowsRemoved,
        ):
            signal.connect(self._show_line)
        self._errors_filter(False)  # nothing checked yet
        self.progress = QProgressBar(self)
        self.progress.setObjectName("import_progress")
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.import_button = QPushButton("&Import", self)
        self.import_button.setObjectName("import_commit")
        self.import_button.setEnabled(False)
        self.close_button = QPushButton("Close", self)
        bottom = QHBoxLayout()
        bottom.addWidget(self.columns_toggle)
        bottom.addWidget(self.progress, 1)
        bottom.addStretch(0)
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.columns_box)
        layout.addWidget(self.message)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.line_detail)
        layout.addLayout(bottom)

        self._remap_timer = QTimer(self)
        self._remap_timer.setSingleShot(True)
        self._remap_timer.setInterval(150)
        self._remap_timer.timeout.connect(self.run_preview)
        self.progressed.connect(self._progressed)
        self.choose_button.clicked.connect(self.choose_file)
        self.path_edit.textEdited.connect(self._path_typed)
        self.path_edit.installEventFilter(self)  # (Enter there checks the path typed)
        self.kind_box.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.import_button.clicked.connect(self.commit)
        self.close_button.clicked.connect(self.reject)
        self._build_columns()
        self.message.setText(
            "Choose a CSV file. Nothing is written until you press Import, and then all of "
            "the file or nothing."
        )

    def _show_line(self, *_args: object) -> None:
        """The current line's verdict and problems, or nothing when no line is current."""
        row = self.table.current_row()
        if row is None or not row.reason:
            self.line_detail.hide()
            return
        reasons = self.model.tooltip(row, ImportPreviewModel.COL_REASON)
        key = row.key or "no key"
        self.line_detail.setText(f"Line {row.line} ({key}), {row.verdict}:\n{reasons}")
        self.line_detail.show()

    def _fit_screen(self, width: int, height: int) -> None:
        """As large as wanted, but within the screen (its buttons stay on a 1280x720 one,
        under the window's title bar)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            room = screen.availableGeometry()
            width = min(width, room.width() - 40)
            height = min(height, room.height() - 60)
        self.resize(width, height)

    # --- the file and its columns ----------------------------------------------------------
    @property
    def kind(self) -> Kind:
        return KINDS[self.kind_box.currentData()]

    def choose_file(self) -> None:
        path = open_file(
            self, f"Import {self.kind.name} from", "CSV files (*.csv *.txt);;All files (*)"
        )
        if path:
            self.set_file(path)

    def _path_typed(self, _text: str) -> None:
        """A path being typed is not the file checked: nothing is imported until Enter has
        checked it."""
        self.import_button.setEnabled(False)
        self.import_button.setToolTip("Press Enter in the file's path to check that file")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter in the path checks that file; it is not the dialog's Enter (its default
        # button would open the file chooser).
        if (
            watched is self.path_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._path_entered()
            return True
        return super().eventFilter(watched, event)

    def _path_entered(self) -> None:
        text = self.path_edit.text().strip().strip('"')
        if text:
            self.set_file(text)

    def set_file(self, path: str) -> None:
        # The columns chosen for the last file carry over to the next (a corrected copy of
        # the same export has the same headers).
        chosen = self.mapping()
        if chosen:
            self._remembered = {f: h for f, h in chosen.items() if h}
        self.path = path
        self.path_edit.setText(path)
        if self.headers is not None:  # (the last file's columns are not this one's)
            self.headers = None
            self._build_columns()
        self.run_preview()

    def _kind_changed(self) -> None:
        self.headers = None
        self._remembered = {}
        self._build_columns()
        if self.path:
            self.run_preview()

    def _build_columns(self) -> None:
        while self.columns_grid.count():
            item = self.columns_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.column_combos = {}
        kind = self.kind
        for i, field in enumerate(kind.columns):
            combo = QComboBox(self.columns_box)
            combo.setObjectName(f"column_{field}")
            combo.addItem(NOT_IN_FILE, "")
            for header in self.headers or []:
                if header.strip():
                    combo.addItem(header.strip(), header)
            auto = next(
                (h for h in self.headers or [] if normalize_header(h) == field and h.strip()), None
            )
            if auto is None:
                auto = self._guess(field)
            if auto is not None:
                combo.setCurrentIndex(combo.findData(auto))
            combo.currentIndexChanged.connect(lambda _i: self._remap_timer.start())
            self.column_combos[field] = combo
            star = " *" if field in kind.required else ""
            label = QLabel(f"{field_label(field)}{star}", self.columns_box)
            label.setBuddy(combo)
            tip = f"Column '{field}' in our CSV format: " + (
                "required" if star else "optional; left out, the stored value stays"
            )
            label.setToolTip(tip)
            combo.setToolTip(tip)
            row, col = divmod(i, 3)
            self.columns_grid.addWidget(label, row, col * 2)
            self.columns_grid.addWidget(combo, row, col * 2 + 1)

    def _guess(self, field: str) -> str | None:
        """The file's column for ``field`` when its name is not ours: the one chosen for the
        last file, else a common name for it ("Tag Number", "Serial No")."""
        headers = [h for h in self.headers or [] if h.strip()]
        remembered = self._remembered.get(field)
        if remembered in headers:
            return remembered
        names = {normalize_header(a) for a in ALIASES.get(field, ())}
        return next((h for h in headers if normalize_header(h) in names), None)

    def _guessed(self) -> bool:
        """Whether a column was picked by ``_guess`` (the first check ran without it)."""
        return any(
            combo.currentData() and normalize_header(str(combo.currentData())) != field
            for field, combo in self.column_combos.items()
        )

    def mapping(self) -> dict[str, str] | None:
        """Our field -> the file's header, as chosen; None until the file has been read."""
        if self.headers is None:
            return None
        return {f: str(c.currentData() or "") for f, c in self.column_combos.items()}

    # --- preview ----------------------------------------------------------------------------
    def run_preview(self) -> None:
        if not self.path:
            return
        self._generation += 1
        generation = self._generation
        kind, path, mapping = self.kind, self.path, self.mapping()
        self.report = None
        self.import_button.setEnabled(False)
        self._start_progress("Checking every line...")
        progress = self._progress_callback(generation)
        self.state.read(
            lambda ctx: preview_file(ctx, kind, path, mapping, progress),
            lambda result: self._previewed(generation, result),
            lambda exc: self._failed(generation, exc),
        )

    def _previewed(self, generation: int, result: Preview) -> None:
        if generation != self._generation:
            return
        self._stop_progress()
        if result.headers is not None and self.headers != result.headers:
            self.headers = result.headers
            self._build_columns()
            if self._guessed():
                # Checked again with the columns picked for it (the columns panel shows them).
                self.columns_box.setVisible(True)
                self.columns_toggle.setChecked(True)
                self.run_preview()
                return
        self.columns_toggle.setEnabled(self.headers is not None)
        if self.headers is None:  # (nothing to map in a file that could not be read)
            self.columns_toggle.setChecked(False)
            self.columns_box.setVisible(False)
        self.report = result.report
        if result.rows is not None:
            self.model.set_rows(result.rows)
            self.table.fit_columns()
        else:
            self.model.set_rows([])
        self._show_report(result)
        self.preview_ready.emit(result)

    def _show_report(self, result: Preview) -> None:
        report = result.report
        self._errors_filter(bool(report is not None and report.errors))
        if report is None:
            self.counts.clear()
            # A header that reads as one column split by some other character ('|'): the
            # message says how to save the file; the columns panel could not help.
            needs_columns = result.headers is not None and not other_separator(
                result.headers, self.kind.columns
            )
            self.message.setText(
                f"<b style='color:#b91c1c'>{_esc(result.problem)}</b>"
                + (
                    "<br>Choose the file's column for each field marked * below, then the "
                    "lines are checked again."
                    if needs_columns
                    else ""
                )
            )
            if needs_columns:
                self.columns_toggle.setChecked(True)
            self.import_button.setEnabled(False)
            self.import_button.setToolTip(result.problem)
            return
        errors = len(report.errors)
        self.counts.setText(
            f"<b>{report.added:,}</b> new, <b>{report.updated:,}</b> "
            f"{noun_for(report.updated, 'update')}, "
            f"<b>{report.unchanged:,}</b> unchanged, "
            f"<b style='color:{'#b91c1c' if errors else 'inherit'}'>"
            f"{errors:,}</b> {noun_for(errors, 'error')}"
        )
        warnings = "".join(f"<br>Note: {_esc(w)}" for w in report.warnings)
        unknown = any("unknown column" in w for w in report.warnings)
        if unknown:
            self.columns_toggle.setChecked(True)
        if report.committed:
            self.message.setText(
                f"<b style='color:#15803d'>Imported: {_esc(summary(report))}.</b>{warnings}"
            )
            tip = "This file has been imported."
        elif report.errors:
            self.message.setText(
                f"<b style='color:#b91c1c'>{plural(errors, 'line')} cannot be imported; "
                f"fix {'it' if errors == 1 else 'them'} in the file (or map the columns) and "
                "check again. Nothing will be "
                f"written while any line is wrong.</b>{warnings}"
            )
            self.only_errors.setChecked(True)
            tip = "Every line must be right first: the import is all or nothing."
        elif not (report.added or report.updated):
            self.message.setText(f"Every line matches what is stored; nothing to do.{warnings}")
            tip = "Nothing would change."
        else:
            self.message.setText(
                f"Ready: {_esc(summary(report))}. Press Import to write all of it.{warnings}"
            )
            tip = ""
        may = not report.committed and report.ok and bool(report.added or report.updated)
        self.import_button.setEnabled(may)
        self.import_button.setToolTip(tip)

    # --- commit -----------------------------------------------------------------------------
    def commit(self) -> None:
        if self.report is None or not self.report.ok or self._busy:
            return
        self._generation += 1
        generation = self._generation
        kind, path, mapping = self.kind, self.path, self.mapping()
        self._set_busy(True)
        self.import_button.setEnabled(False)
        self._start_progress("Importing...")
        progress = self._progress_callback(generation)
        # At once, so that no earlier import's line stays while this one is written.
        self.state.message.emit(f"Importing {kind.noun}s from {Path(path).name}...", 0)

        headers = self.headers

        def work(ctx: Ctx) -> Preview:
            report = kind.run(ctx, path, commit=True, mapping=mapping, progress=progress)
            return Preview(headers, report, ImportPreviewModel.prepare(preview_rows(report)))

        self.state.write(
            work,
            lambda result: self._committed(generation, path, result),
            lambda exc: self._commit_failed(generation, kind, path, exc),
            changed=kind.changed,
        )

    def _set_busy(self, busy: bool) -> None:
        """While the import is written, the file, kind and columns stay as they were."""
        self._busy = busy
        for widget in (self.choose_button, self.path_edit, self.kind_box, self.columns_box):
            widget.setEnabled(not busy)

    def _committed(self, generation: int, path: str, result: Preview) -> None:
        # Also when the dialog was closed meanwhile (the lock screen closes dialogs; the
        # transaction runs to its end): the status bar says how it went.
        report = result.report
        if report is not None:
            self.state.message.emit(status_text(report, path), 10_000)
        self._set_busy(False)
        if generation != self._generation:
            return
        self._stop_progress()
        self.report = result.report
        if result.rows is not None:
            self.model.set_rows(result.rows)
        self._show_report(result)
        if result.report is not None:
            self.imported.emit(result.report)

    def _commit_failed(self, generation: int, kind: Kind, path: str, exc: BaseException) -> None:
        why = str(exc) if isinstance(exc, DomainError) else "an unexpected error"
        self.state.message.emit(
            f"No {kind.noun}s imported from {Path(path).name}: {why}; nothing was written.",
            10_000,
        )
        self._failed(generation, exc)

    def _failed(self, generation: int, exc: BaseException) -> None:
        self._set_busy(False)
        if generation != self._generation:
            return
        self._stop_progress()
        if isinstance(exc, DomainError):
            self.message.setText(f"<b style='color:#b91c1c'>{_esc(str(exc))}</b>")
        elif self.state.error_handler is not None:
            self.state.error_handler(exc)

    # --- progress ---------------------------------------------------------------------------
    def _progress_callback(self, generation: int) -> Progress:
        def progress(done: int, total: int) -> None:
            # Called on the worker: only emits; the queued signal updates the bar.
            if generation != self._generation:
                return  # a newer preview started; this count is stale
            # RuntimeError: the dialog was closed and deleted meanwhile.
            with suppress(RuntimeError):
                self.progressed.emit(done, total)

        return progress

    def _start_progress(self, text: str) -> None:
        self.progress.setRange(0, 0)  # busy until the first count arrives
        self.progress.setFormat(text)
        self.progress.show()

    def _progressed(self, done: int, total: int) -> None:
        if self.progress.isVisible() and total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(
                f"{done:,} of {plural(total, 'line')} ({done * 100 // total} %%)"
            )

    def _stop_progress(self) -> None:
        self.progress.hide()

    def _errors_filter(self, any_errors: bool) -> None:
        """'Only errors' is offered while some line is in error; once none is, it is
        unticked (every line shows again) and greyed."""
        if not any_errors:
            self.only_errors.setChecked(False)
        self.only_errors.setEnabled(any_errors)
        self.only_errors.setToolTip(
            "Show only the lines in error." if any_errors else "No line is in error."
        )

    def _only_errors(self, on: bool) -> None:
        self.table.proxy.set_predicate((lambda r: r.verdict == "error") if on else None)
        self.table.update_count()


def _esc(text: Any) -> str:
    return escape(str(text)).replace("\n", "<br>")
