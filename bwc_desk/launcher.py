"""Start-up in the GUI (part of the composition root): open the database, first run or
sign-in, the demo, then the main window."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, QLockFile, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from bwc_desk.domain.errors import DomainError, UnavailableError
from bwc_desk.services import auth, stations
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.settings import get_settings
from bwc_desk.services.startup import (
    DamagedDatabase,
    accounts_removed,
    damaged,
    discard_unused_new_database,
    lock_file_problem,
    open_database,
    resolve_url,
    set_aside_empty_demo,
    shown_url,
    sqlite_file_exists,
    station_name,
)
from bwc_desk.services.stations import station_info
from bwc_desk.store import config, paths
from bwc_desk.ui.garbage import collect_young
from bwc_desk.ui.ops import Lane, Task, TaskRunner
from bwc_desk.ui.tasks import owner

if TYPE_CHECKING:
    from bwc_desk.store.db import Database
    from bwc_desk.ui.early_sign_in import EarlySignIn
    from bwc_desk.ui.main_window import MainWindow
    from bwc_desk.ui.maintenance import Maintenance
    from bwc_desk.ui.state import AppState

log = logging.getLogger(__name__)
IDLE_MARKER = "BWC-DESK-IDLE"
# Files up to this size get SQLite's quick_check before they are used (well under a second);
# a larger one is checked in the background once the window is up (ui/maintenance.py).
QUICK_CHECK_AT_OPEN = 256 * 2**20
DATA_MARKER = "BWC-DESK-DATA"
# What the first view does not need (the dock feed, syslog checkpoints, housekeeping, a full
# garbage collection) starts this long after the first view has its rows, so that they are
# painted first; at the latest BACKGROUND_LATEST_MS after the window is shown.
BACKGROUND_AFTER_MS = 200
BACKGROUND_LATEST_MS = 10_000


def preload_window() -> None:
    """The main window's modules and the first view's, imported (and Qt's fonts loaded)
    while the password is checked or typed: Argon2id leaves the interpreter free for about
    0.2 s, and nothing of the window is needed before the sign-in. Builds nothing."""
    from bwc_desk.ui.main_window import preload_home_views

    preload_home_views()


def preload_then_collect() -> None:
    """``preload_window`` while a person types, then one full collection (on the main thread)
    and what survives it (the modules) out of later ones' walks. Python's own collection
    stays off (app.run_gui): from the first rows on, the main thread's GarbageKeeper
    collects (a collection run by a worker frees Qt objects on the wrong thread). Before the
    form was painted, this collection (40 ms) kept the form from the screen."""
    preload_window()
    gc.collect()
    gc.freeze()


class Launcher:
    def __init__(
        self,
        app: QApplication,
        args: argparse.Namespace,
        log_dir: str,
        early: EarlySignIn | None = None,
    ) -> None:
        self.app = app
        # The sign-in form, already on the screen (app.sign_in_form_first): taken over by
        # the sign-in, or dropped before anything else is said.
        self.early = early
        self.args = args
        self.log_dir = log_dir
        self.demo = bool(getattr(args, "demo", False))
        self.runner = TaskRunner()
        self.window: MainWindow | None = None
        self.lock_file: QLockFile | None = None
        self.maintenance: Maintenance | None = None
        self.dock_feed: Any = None
        self.syslog: Any = None
        self.watcher: Any = None
        self.garbage: Any = None
        self.auto_verify: Any = None
        self._refused = False  # this station's name was refused (another PC holds it)

    # --- the sequence ---------------------------------------------------------------------
    def start(self) -> int:
        station_config = config.load()
        if self.demo and not self._ensure_demo():
            return 1
        url = resolve_url(getattr(self.args, "database", None), self.demo)
        existed = sqlite_file_exists(url)
        db = self._open(url)
        if db is None:
            return 1
        if not self._take_lock(db):
            db.dispose()
            return 1
        station = station_name(self.demo)  # (the demo's own station with --demo)
        if auth.needs_setup(db):
            db = self._refuse_removed_accounts(url, db)
            if db is None:
                return 1
        ctx = Ctx(db, station)
        # With a person at the form, the station is registered once the form is on the
        # screen (``_sign_in``): the form comes first.
        form_first = not getattr(self.args, "sign_in_stdin", False)
        if not auth.needs_setup(db) and not form_first and not self._register_station(ctx):
            return 1
        if auth.needs_setup(db) and self._scripted:
            self._tell("BWC Desk", f"{db.display} is not set up yet: start BWC Desk at the "
                       "screen once to create the first administrator.")
            if self.lock_file is not None:
                self.lock_file.unlock()
            discard_unused_new_database(db, existed_before=existed)  # (disposes it)
            return 1
        if auth.needs_setup(db):
            from bwc_desk.ui.dialogs.first_run_dialog import FirstRunDialog

            self._drop_early()
            dialog = FirstRunDialog(
                self._setup_call(db),
                station_config.station_name or config.default_station_name(),
                db.display,
                station_set_in=str(config.fixed_by_machine("station_name") or ""),
            )
            if not dialog.exec():
                # (Cancelled: a file this start made and nobody used is not left behind.)
                if self.lock_file is not None:
                    self.lock_file.unlock()
                discard_unused_new_database(db, existed_before=existed)
                return 0
            if dialog.choice == FirstRunDialog.LOAD_DEMO:
                discard_unused_new_database(db, existed_before=existed)  # (disposes it)
                self.demo = True
                return self.start()
            config.save(station_config.with_changes(station_name=dialog.station))
            ctx = Ctx(db, dialog.station, dialog.actor)
            if not self._register_station(ctx):
                return 1
        else:
            actor = self._sign_in(ctx)
            if actor is None:
                return 1 if getattr(self.args, "sign_in_stdin", False) or self._refused else 0
            ctx = ctx.as_actor(actor)
        from bwc_desk.ui.main_window import MainWindow  # (loaded during the sign-in)
        from bwc_desk.ui.state import AppState

        state = AppState(ctx, demo=self.demo, log_dir=self.log_dir)
        self._watch(state)  # (before the first view reads: see ChangeWatcher.start)
        settings = get_settings(ctx)
        self.window = MainWindow(state, settings.agency_name, settings.idle_lock_minutes)
        self.window.show()
        self._after_start(state)
        if getattr(self.args, "exit_when_idle", False):
            self._exit_when_idle(state)
        return self.app.exec()

    @property
    def _scripted(self) -> bool:
        """Signed in from stdin (benchmarks, scripts): nobody reads a box on the screen."""
        return bool(getattr(self.args, "sign_in_stdin", False))

    def _tell(self, title: str, text: str, *, warning: bool = False) -> None:
        """A start-up refusal: in a box, or on stderr when nobody is at the screen (a box
        that nobody closes would keep a scripted start waiting for ever)."""
        if self._scripted:
            print(f"{title}: {text}", file=sys.stderr)
        elif warning:
            QMessageBox.warning(None, title, text)
        else:
            QMessageBox.critical(None, title, text)

    def _drop_early(self) -> None:
        """The start goes another way than the sign-in: the early form goes first."""
        if self.early is not None:
            self.early.drop()
            self.early = None

    def _register_station(self, ctx: Ctx) -> bool:
        """Claim this station's name for this PC's id; refused if another PC holds it."""
        try:
            stations.register_here(ctx)
        except DomainError as exc:
            log.error("station refused: %s", exc)
            ctx.close()
            self._tell("BWC Desk - this station name is taken", str(exc))
            return False
        return True

    def _open(self, url: str) -> Database | None:
        try:
            return open_database(url, quick_check_up_to=QUICK_CHECK_AT_OPEN).db
        except DamagedDatabase as exc:
            return self._offer_restore(url, exc)
        except DomainError as exc:  # a network share, a read-only folder, a full disk
            log.error("cannot open %s: %s", shown_url(url), exc)
            self._drop_early()
            if not self._scripted and isinstance(exc, UnavailableError):
                # (Retry: a later success goes on as a normal start, the sign-in form included.)
                return self._open(url) if self._ask_retry(url, exc) else None
            self._tell(
                "BWC Desk - cannot open the database",
                f"{exc}\n\nThe log folder is {self.log_dir}.",
            )
            return None
        except Exception as exc:
            log.exception("cannot open %s", shown_url(url))
            self._drop_early()
            self._tell(
                "BWC Desk - cannot open the database",
                f"BWC Desk could not open its database:\n{shown_url(url)}\n\n{type(exc).__name__}: "
                f"{exc}\n\nNothing was changed. Check the path or server, or ask your "
                f"administrator. The log folder is {self.log_dir}.",
            )
            return None

    def _ask_retry(self, url: str, exc: DomainError) -> bool:
        """The server cannot be reached: Retry (True) or Quit."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "BWC Desk - the database server cannot be reached",
            f"The database server for\n{shown_url(url)}\ncannot be reached.",
        )
        box.setInformativeText(
            f"{exc}\n\nRetry once the server is running again (ask the administrator), or "
            f"Quit. The log folder is {self.log_dir}."
        )
        retry = box.addButton("&Retry", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("&Quit", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(retry)
        box.exec()
        return box.clickedButton() is retry

    def _refuse_removed_accounts(self, url: str, db: Database) -> Database | None:
        """No staff account: the first-run dialog only for a database where nothing has
        happened yet. One whose accounts were removed is refused (and a SQLite file's newest
        good backup offered), never set up again by whoever is at the keyboard."""
        problem = accounts_removed(db)
        if problem is None:
            return db
        db.dispose()
        self._drop_early()
        log.error("refused %s: %s", db.display, problem)
        if db.path is not None:
            return self._offer_restore(url, damaged(db.path, problem))
        self._tell(
            "BWC Desk - no staff accounts",
            f"The database {db.display}: {problem}. Nothing was changed. Ask the database "
            "administrator to restore the staff table from the server's backups.",
        )
        return None

    def _offer_restore(self, url: str, exc: DamagedDatabase) -> Database | None:
        """A damaged database: offer the latest good backup, never a silent fresh start."""
        log.error("damaged database %s: %s", shown_url(url), exc)
        self._drop_early()
        if self._scripted:
            self._tell("BWC Desk - the database is damaged", f"{exc.path}: {exc.detail}")
            return None
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "BWC Desk - the database is damaged",
            f"The database\n{exc.path}\nis damaged: {exc.detail}\n\nNothing has been changed.",
        )
        restore = None
        if exc.backup is not None:
            box.setInformativeText(
                f"The newest good backup is\n{exc.backup}\n\nRestore it? "
                "The damaged file is kept beside it."
            )
            restore = box.addButton("Restore this backup", QMessageBox.ButtonRole.AcceptRole)
        else:
            box.setInformativeText(
                "No good backup was found beside it. Look in the agency's "
                "backup folder and restore with `bwc-desk restore FILE`."
            )
        box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if restore is None or box.clickedButton() is not restore or exc.backup is None:
            return None
        from bwc_desk.services.backups import restore_damaged

        try:
            kept = restore_damaged(exc.path, exc.backup, station_name(self.demo))
        except Exception as error:
            log.exception("restoring %s failed", exc.backup)
            self._tell(
                "BWC Desk", f"The restore failed: {error}\n\nThe damaged file is "
                f"where it was. The log folder is {self.log_dir}."
            )
            return None
        QMessageBox.information(
            None,
            "BWC Desk - restored",
            f"Restored {exc.backup}.\nThe damaged file was kept as {kept}.\n\nWork done "
            "after that backup was made is not in it: check the last transactions.",
        )
        return self._open(url)

    def _damage_found(self, ctx: Ctx, result: str) -> None:
        """The background quick_check found damage (in a file too large to check before
        opening it): look for the newest good backup off the main thread, then offer it."""
        from bwc_desk.services.backup_check import latest_good_backup

        path = station_info(ctx).path
        if path is None:
            return
        self.runner.submit(
            Task(
                lambda: latest_good_backup(path),
                lambda backup: self._offer_restore_now(ctx, result, backup),
                lambda exc: self._offer_restore_now(ctx, result, None),
                parent=self.window,
                lane=Lane.BULK,  # (every backup file is checked)
            )
        )

    def _offer_restore_now(self, ctx: Ctx, result: str, backup: Path | None) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "BWC Desk - the database is damaged",
            f"SQLite's quick_check found damage in {station_info(ctx).database}:\n{result}\n\n"
            "Stop work at this station.",
            parent=self.window,
        )
        restore = None
        if backup is not None:
            box.setInformativeText(
                f"The newest good backup is\n{backup}\n\nRestore it now? BWC Desk closes "
                "afterwards; the damaged file is kept beside it. Work done after that backup "
                "was made is not in it."
            )
            restore = box.addButton("Restore this backup and close",
                                    QMessageBox.ButtonRole.AcceptRole)
        else:
            box.setInformativeText(
                "No good backup was found beside it. Close BWC Desk and restore one from the "
                "agency's backup folder with `bwc-desk restore FILE`."
            )
        box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if restore is None or backup is None or box.clickedButton() is not restore:
            return
        path = station_info(ctx).path
        assert path is not None
        self._stop_background()
        ctx.close()
        from bwc_desk.services.backups import restore_damaged

        try:
            kept = restore_damaged(path, backup, ctx.station)
        except Exception as error:
            log.exception("restoring %s failed", backup)
            QMessageBox.critical(self.window, "BWC Desk", f"The restore failed: {error}")
        else:
            QMessageBox.information(
                self.window, "BWC Desk - restored",
                f"Restored {backup}.\nThe damaged file was kept as {kept}.\n\n"
                "BWC Desk will now close; start it again and sign in.",
            )
        if self.window is not None:
            self.window.close()
        self.app.quit()

    def _stop_background(self) -> None:
        """Nothing may write to the database while it is being replaced."""
        if self.maintenance is not None:
            self.maintenance.stop()
        if self.dock_feed is not None:
            self.dock_feed.stop()
        if self.syslog is not None:
            self.syslog.stop()
        if self.watcher is not None:
            self.watcher.stop()
        if self.window is not None:
            self.window.state.runner.shutdown()

    def _take_lock(self, db: Database) -> bool:
        """One running app per database file; a lock left by a crash is taken over."""
        if db.path is None:
            return True
        return self._lock(db.path)

    def _lock(self, path: Path, building: bool = False) -> bool:
        """The lock beside ``path`` for this process (kept: one running app per file). The
        demo takes it before it builds its file, which then keeps it."""
        name = f"{Path(path).resolve()}.lock"
        if self.lock_file is not None and self.lock_file.isLocked():
            if self.lock_file.fileName() == name:
                return True  # (taken while the demo was built)
            self.lock_file.unlock()
        self.lock_file = QLockFile(name)
        self.lock_file.setStaleLockTime(0)  # stale = its process is gone, whatever its age
        if self.lock_file.tryLock(200):
            return True
        if self.lock_file.error() == QLockFile.LockError.LockFailedError:
            pid, host, _app = self.lock_file.getLockInfo()
            if self.lock_file.removeStaleLockFile() and self.lock_file.tryLock(200):
                return True
            log.error("%s is in use by process %s on %s", path, pid, host)
            self._drop_early()
            if building:
                self._tell(
                    "BWC Desk demo",
                    f"Another BWC Desk (process {pid} on {host}) is building or using the "
                    "demo agency. Wait for its window to open and use that one; nothing was "
                    "changed here.",
                    warning=True,
                )
            else:
                self._tell(
                    "BWC Desk is already running",
                    f"BWC Desk is already running on this database (process {pid} on "
                    f"{host}).\nSwitch to that window instead; two copies on one file would "
                    "get in each other's way. If no BWC Desk window can be found, that copy "
                    f"lost its window: end process {pid} (the task manager, or sign out of "
                    "the computer and in again), then start BWC Desk again.",
                    warning=True,
                )
            return False
        problem = lock_file_problem(Path(path))  # (Qt says only that it failed)
        log.error("cannot create the lock file beside %s: %s", path, problem)
        self._drop_early()
        self._tell(
            "BWC Desk",
            f"Cannot create the lock file beside {path}. {problem}"
            if problem is not None
            else f"Cannot create the lock file beside {path}: check that this account may "
            "write the folder and that its disk has room.",
        )
        return False

    def _setup_call(self, db: Database) -> Callable[..., None]:
        def setup(
            agency: str,
            station: str,
            user: str,
            name: str,
            password: str,
            on_done: Callable[[Actor], None],
            on_error: Callable[[BaseException], None],
        ) -> None:
            self.runner.submit(
                Task(
                    lambda: auth.first_run(
                        db,
                        agency_name=agency,
                        station=station,
                        username=user,
                        password=password,
                        display_name=name,
                    ),
                    on_done,
                    on_error,
                    parent=owner(on_done),  # the first-run dialog
                    lane=Lane.WRITER,
                )
            )

        return setup

    def _sign_in(self, ctx: Ctx) -> Actor | None:
        def submit(
            user: str,
            password: str,
            on_done: Callable[[Actor], None],
            on_error: Callable[[BaseException], None],
            new_password: str = "",  # a temporary password replaced (auth.sign_in)
        ) -> None:
            self.runner.submit(
                Task(
                    lambda: auth.sign_in(ctx, user, password, new_password=new_password),
                    on_done,
                    on_error,
                    parent=dialog,
                    lane=Lane.WRITER,
                )
            )

        if getattr(self.args, "sign_in_stdin", False):
            user = sys.stdin.readline().strip()
            password = sys.stdin.readline().rstrip("\r\n")
            outcome: dict[str, Any] = {}
            waiting = QEventLoop()

            def checked(actor: Actor) -> None:
                outcome["actor"] = actor
                waiting.quit()

            def refused(exc: BaseException) -> None:
                outcome["error"] = exc  # (raised below, on the main thread)
                waiting.quit()

            # The password check (Argon2, which leaves the interpreter free) on the writer,
            # as every sign-in is; the views' modules loaded meanwhile, then nothing else to
            # do until it answers.
            self.runner.submit(
                Task(lambda: auth.sign_in(ctx, user, password), checked, refused,
                     lane=Lane.WRITER)
            )
            preload_window()
            if not outcome:
                waiting.exec()
            error = outcome.get("error")
            if isinstance(error, DomainError):
                print(f"sign-in refused: {error}", file=sys.stderr)
                return None
            if error is not None:
                raise error
            actor: Actor = outcome["actor"]
            return actor
        agency = get_settings(ctx).agency_name
        accounts: list[tuple[str, str, str]] = []
        if self.demo:
            from bwc_desk.services.demo import DEMO_ACCOUNTS

            accounts = [(u, p, r.value) for u, p, r in DEMO_ACCOUNTS]

        def submit_badge(
            badge: str,
            pin: str,
            on_done: Callable[[Actor], None],
            on_error: Callable[[BaseException], None],
        ) -> None:
            self.runner.submit(
                Task(
                    lambda: auth.sign_in_badge(ctx, badge, pin),
                    on_done,
                    on_error,
                    parent=dialog,
                    lane=Lane.WRITER,
                )
            )

        from bwc_desk.ui.dialogs.sign_in_dialog import SignInDialog

        early, self.early = self.early, None
        if early is not None:  # (on the screen since the start: see app.sign_in_form_first)
            dialog = early.connect(submit, submit_badge, agency)
        else:
            dialog = SignInDialog(
                submit,
                agency=agency,
                station=ctx.station,
                sign_in_badge=submit_badge,
                demo_accounts=accounts,
            )
        def while_typing() -> None:
            # Once the form is on the screen (loading the window's modules before its first
            # paint kept the form from the screen for 0.1-0.2 s; registering the station,
            # 20 ms): what an Enter needs, done while the person types. Key presses wait
            # in the queue meanwhile, and the Enter comes after.
            if not self._register_station(ctx):
                self._refused = True
                dialog.reject()
                return
            preload_then_collect()

        if early is not None:
            QTimer.singleShot(0, while_typing)  # (painted long ago: once the form is live)
        else:
            dialog.first_painted.connect(while_typing)
        return dialog.actor if dialog.exec() else None

    def _watch(self, state: AppState) -> None:
        """The change watcher, started before the window's views first read: what other
        stations commit from here on reaches the views (its first marks come first)."""
        from bwc_desk.ui.change_watcher import ChangeWatcher

        self.watcher = ChangeWatcher(state)
        self.watcher.start()
        self.app.aboutToQuit.connect(self.watcher.stop)

    def _after_start(self, state: AppState) -> None:
        """Once the window is shown: the background work, once the first view has its
        rows."""
        started = False

        def start_background() -> None:
            nonlocal started
            if not started:
                started = True
                state.runner.busy_changed.disconnect(first_rows)
                self._start_background(state)

        def first_rows(busy: bool) -> None:
            if not busy:  # (every read of the first view delivered: its rows are shown)
                QTimer.singleShot(BACKGROUND_AFTER_MS, start_background)

        state.runner.busy_changed.connect(first_rows)
        if not state.runner.busy:
            first_rows(False)
        QTimer.singleShot(BACKGROUND_LATEST_MS, start_background)

    def _start_background(self, state: AppState) -> None:
        """Housekeeping (the daily backup, quick_check, checkpoints) on its own low-priority
        threads, the dock feed, the syslog checkpoints; and the start-up garbage moved out
        of the collector's way, so that no scan pauses for a full collection."""
        from bwc_desk.ui.maintenance import Maintenance
        from bwc_desk.ui.tasks import favour_the_main_thread

        favour_the_main_thread()
        ctx = state.ctx
        self.maintenance = Maintenance(ctx)

        self.maintenance.damaged.connect(lambda result: self._damage_found(ctx, result))
        self.maintenance.backup_failed.connect(
            lambda text: state.message.emit(f"The start-up backup failed: {text}", 0)
        )
        self.maintenance.directory_synced.connect(
            lambda text: state.message.emit(f"Directory sync (scheduled): {text}", 30_000)
        )
        self.maintenance.start()
        self.app.aboutToQuit.connect(self.maintenance.stop)
        self._start_dock_feed(state)
        self._start_syslog(state)
        self._start_auto_verify(state)
        # The cycle collector from now on (off since start-up: app.run_gui): full
        # collections at quiet moments, big lists out of its walk.
        from bwc_desk.ui.garbage import GarbageKeeper

        assert self.window is not None
        self.garbage = GarbageKeeper(self.window.idle.quiet_s, self.window)
        self.garbage.start()

    def _start_auto_verify(self, state: AppState) -> None:
        """The daily verification of the records, in a child process at low priority; its
        verdict (and any station's last one) in the window's banner."""
        from bwc_desk.services.context import SYSTEM
        from bwc_desk.ui.auto_verify import AutoVerifier

        assert self.window is not None and self.maintenance is not None
        # (No parent: stopped at quit even when the window has gone first.)
        self.auto_verify = AutoVerifier(state.ctx.as_actor(SYSTEM), self.maintenance.runner)
        self.auto_verify.standing.connect(self.window.verify_banner.show_standing)
        self.auto_verify.finished.connect(self._verified)
        self.app.aboutToQuit.connect(self.auto_verify.stop)
        self.auto_verify.start()

    def _verified(self, outcome: Any) -> None:
        """A failure is said to the agency's SIEM too, when it forwards to one."""
        from datetime import UTC, datetime

        from bwc_desk.services.auto_verify import FAILED

        if outcome.verdict == FAILED and self.syslog is not None:
            self.syslog.alert(datetime.now(UTC), outcome.verdict,
                              f"Records failed the automatic verification: "
                              f"{outcome.first_problem or outcome.headline}")

    def _start_syslog(self, state: AppState) -> None:
        """Signed checkpoints to the agency's syslog server, if it set one (off by default):
        a background thread; a server that cannot be reached is logged and retried."""
        from bwc_desk.services.syslog_forward import CheckpointForwarder

        self.syslog = CheckpointForwarder(state.ctx)
        self.syslog.start(every_engine=True)  # the dock feed signs through its own engine
        self.app.aboutToQuit.connect(self.syslog.stop)

    def _start_dock_feed(self, state: AppState) -> None:
        """Listen for dock controllers (station config: host, port, token). A port already in
        use or a bad address is reported, not fatal: the counter works without docks."""
        from bwc_desk.services.dockfeed import DockFeed, feed_token

        station = config.ensure_dock_token()  # a new install gets a random token
        if not station.dock_feed_enabled:
            return
        ctx = state.ctx
        # On SQLite the feed tells this window what each flush wrote (nothing else would in
        # time: the poll is every 5 s); on PostgreSQL its notifications do.
        told: Any = state.announce_from_thread
        if station_info(ctx).is_postgresql:
            told = None
            # The feed writes through its own engine, with its own origin in change notices:
            # this station's views then hear its dock changes as they hear another station's
            # (a station skips the notices of its own views' writes, which refresh locally).
            ctx = ctx.with_own_engine()
        try:
            self.dock_feed = DockFeed(ctx, station.dock_host, station.dock_port,
                                      feed_token(station), on_change=told)
            self.dock_feed.start()
        except (OSError, ValueError) as exc:
            self.dock_feed = None
            text = (f"The dock feed is not running: {station.dock_host}:{station.dock_port}: "
                    f"{exc}. Docks cannot report to this station; another BWC Desk may be "
                    "listening, or change the port in the station settings.")
            log.warning(text)
            state.message.emit(text, 0)
            return
        log.info("dock feed listening on %s:%s", *self.dock_feed.address)
        self.app.aboutToQuit.connect(self.dock_feed.stop)
        if ctx is not state.ctx:
            self.app.aboutToQuit.connect(ctx.close)  # after the feed has stopped
        if self.demo:
            host, port = self.dock_feed.address
            self._start_simulator(state, host, port, station.dock_token)

    def _start_simulator(self, state: AppState, host: str, port: int, token: str) -> None:
        """The demo's docks: the simulator plays six docks of eight bays with the demo's
        cameras that are on the shelf now (and two the inventory does not know)."""
        from bwc_desk.adapters.dockfeed.simulator import run_simulator
        from bwc_desk.domain.units import UnitStatus
        from bwc_desk.services import inventory

        serials = [u.serial for u in inventory.list_units(state.ctx)
                   if u.status is UnitStatus.AVAILABLE]
        self._sim_stop = threading.Event()
        thread = threading.Thread(
            target=run_simulator, name="dock-sim", daemon=True,
            kwargs={"host": host, "port": port, "docks": 6, "bays": 8, "speed": 20.0,
                    "token": token,
                    "stop": self._sim_stop, "seed": 7, "serials": serials},
        )
        thread.start()
        self.app.aboutToQuit.connect(self._sim_stop.set)

    # --- the demo -------------------------------------------------------------------------
    def _ensure_demo(self) -> bool:
        """Create the demo database on first use, with a progress dialog (a minute or
        two: two weeks of history are played through the services)."""
        target = paths.demo_db_path()
        paths.ensure_private_dir(target.parent)  # (a first start: no data folder yet)
        if not self._lock(target, building=True):
            return False  # (another window builds it, or runs it)
        set_aside_empty_demo()  # (a file there without the demo's accounts is not the demo)
        if target.exists():
            return True
        tmp = target.with_name(target.name + ".seeding")
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        dialog = QProgressDialog("Building the demo agency...", "", 0, 100)
        dialog.setWindowTitle("BWC Desk demo")
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        outcome: dict[str, Any] = {}

        def progress(percent: int, what: str) -> None:
            outcome["progress"] = (percent, what)

        def work() -> None:
            from bwc_desk.services import demo
            from bwc_desk.store.db import sqlite_url

            opened = open_database(sqlite_url(tmp))
            try:
                demo.seed_demo(opened.db, progress=progress)
            finally:
                opened.db.dispose()

        def done(_result: object) -> None:
            os.replace(tmp, target)
            outcome["ok"] = True
            dialog.close()

        def failed(exc: BaseException) -> None:
            outcome["error"] = exc
            dialog.close()

        def show_progress() -> None:
            # (A minute or two of seeding on a worker: its garbage collected here, on the
            # main thread, Python's own collection being off: app.run_gui.)
            collect_young()
            if "progress" in outcome:
                dialog.setValue(outcome["progress"][0])
                dialog.setLabelText(outcome["progress"][1])

        timer = QTimer()
        timer.timeout.connect(show_progress)
        timer.start(100)
        self.runner.submit(Task(work, done, failed, parent=dialog, lane=Lane.WRITER))
        dialog.exec()
        timer.stop()
        if "error" in outcome:
            QMessageBox.critical(
                None, "BWC Desk demo", f"The demo agency could not be built: {outcome['error']}"
            )
            return False
        return bool(outcome.get("ok"))

    # --- benchmarks and smoke tests ---------------------------------------------------------
    def _exit_when_idle(self, state: AppState) -> None:
        """Print IDLE_MARKER when the window is shown and the main thread first has nothing
        to do (the first view may still be loading on a worker), then DATA_MARKER when the
        first view shows its rows, then quit: `python -m benchmarks` times both."""

        def first_view_built() -> bool:
            # (Views are built the first time they are shown: the one shown is built.)
            window = self.window
            if window is None:
                return False
            shown = window.tabs.currentWidget()
            return any(view is shown for view in window.pages.built_views())

        def loaded() -> None:
            if not state.runner.busy and first_view_built():
                print(DATA_MARKER, flush=True)
                self.app.quit()
            else:
                QTimer.singleShot(2, loaded)

        def idle() -> None:
            print(IDLE_MARKER, flush=True)
            loaded()

        QTimer.singleShot(0, idle)
