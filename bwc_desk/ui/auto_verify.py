"""The automatic daily verification, run as a child process at low priority: the walk of
2,000,000 records is 10-17 s of pure Python, which on a thread of this process would hold
the interpreter and stall scans. `bwc-desk verify --json` runs read-only in the child; this
process only claims the run, polls the child from a timer (the main thread never waits),
records the outcome in the audit log and tells the window (services/auto_verify.py)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import IO, Any

from PySide6.QtCore import QObject, QTimer, Signal

from bwc_desk.services import auto_verify
from bwc_desk.services.auto_verify import ChildCommand, Standing, VerifyOutcome
from bwc_desk.services.context import Ctx
from bwc_desk.ui.ops import Lane, Task, TaskRunner

log = logging.getLogger(__name__)
TICK_MS = 3_600_000  # is one due (a station left running for days verifies daily too)?
POLL_MS = 500


def _spawn(cmd: ChildCommand, out: IO[bytes], err: IO[bytes]) -> subprocess.Popen[bytes]:
    """The child at low priority: BELOW_NORMAL on Windows (no console window), nice 19
    elsewhere (set from here at once: no Python runs between fork and exec)."""
    env = {**os.environ, **cmd.env}
    if sys.platform == "win32":
        flags = subprocess.BELOW_NORMAL_PRIORITY_CLASS | subprocess.CREATE_NO_WINDOW
        return subprocess.Popen(cmd.argv, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, creationflags=flags)
    child = subprocess.Popen(cmd.argv, env=env, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=err)
    try:
        os.setpriority(os.PRIO_PROCESS, child.pid, 19)
    except OSError as exc:  # (it ended already)
        log.debug("automatic verification: priority not lowered: %s", exc)
    return child


class AutoVerifier(QObject):
    """``standing`` is emitted at start, after each run and at each tick: what the window's
    banner shows. ``command`` builds the child's command (tests give a fake one)."""

    standing = Signal(object)  # services.auto_verify.Standing
    finished = Signal(object)  # services.auto_verify.VerifyOutcome, once recorded

    def __init__(
        self,
        ctx: Ctx,
        runner: TaskRunner,
        command: Callable[[Ctx], ChildCommand] = auto_verify.child_command,
        tick_ms: int = TICK_MS,
        poll_ms: int = POLL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.command = command
        self.child: subprocess.Popen[bytes] | None = None
        self._files: tuple[IO[bytes], IO[bytes]] | None = None
        self._stopped = False
        self._tick = QTimer(self)
        self._tick.setInterval(tick_ms)
        self._tick.timeout.connect(self.tick)
        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms)
        self._poll.timeout.connect(self._check)

    def start(self) -> None:
        self._tick.start()
        self.tick()

    def tick(self) -> None:
        """Read the standing (another station's verdict shows here too), then claim the run
        if it is due; the claim and the command are work for a worker, not this thread."""
        if self._stopped:
            return
        self.refresh()
        if self.child is not None:
            return
        ctx, command = self.ctx, self.command

        def claim() -> ChildCommand | None:
            return command(ctx) if auto_verify.claim(ctx) else None

        self.runner.submit(Task(claim, self._launch,
                                lambda exc: log.warning("automatic verification: %s", exc),
                                parent=self, lane=Lane.WRITER))

    def refresh(self) -> None:
        ctx = self.ctx
        self.runner.submit(Task(lambda: auto_verify.standing(ctx), self.standing.emit,
                                lambda exc: log.warning("verification standing: %s", exc),
                                parent=self, key=("verify-standing", id(self)),
                                lane=Lane.BULK))

    def _launch(self, cmd: ChildCommand | None) -> None:
        if cmd is None or self._stopped or self.child is not None:
            return
        # Files, not pipes: a child that writes more than a pipe holds never waits on us.
        # (Closed once it ends, or by stop().)
        out = tempfile.TemporaryFile()  # noqa: SIM115
        err = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self.child = _spawn(cmd, out, err)
        except OSError as exc:
            out.close()
            err.close()
            self._done(VerifyOutcome(auto_verify.ERROR,
                                     f"Verification could not run: {cmd.argv[0]}: {exc}"))
            return
        self._files = (out, err)
        log.info("automatic verification started (pid %s)", self.child.pid)
        self._poll.start()

    def _check(self) -> None:
        child = self.child
        if child is None or child.poll() is None:
            return
        self._poll.stop()
        self.child = None
        assert self._files is not None
        out, err = self._files
        self._files = None
        texts = []
        for f in (out, err):
            f.seek(0)
            texts.append(f.read(4_000_000).decode("utf-8", "replace"))
            f.close()
        self._done(auto_verify.parse_output(texts[0], child.returncode, texts[1]))

    def _done(self, outcome: VerifyOutcome) -> None:
        level = {auto_verify.FAILED: logging.ERROR, auto_verify.ERROR: logging.WARNING,
                 auto_verify.WARNING: logging.WARNING}.get(outcome.verdict, logging.INFO)
        log.log(level, "automatic verification: %s: %s %s", outcome.verdict.upper(),
                outcome.headline, outcome.first_problem)
        ctx = self.ctx

        def recorded(_status: Any) -> None:
            self.finished.emit(outcome)
            self.refresh()

        self.runner.submit(Task(lambda: auto_verify.record(ctx, outcome), recorded,
                                lambda exc: log.error("automatic verification not recorded: "
                                                      "%s", exc),
                                parent=self, lane=Lane.WRITER))

    def stop(self) -> None:
        """The app quits: the child is ended (it writes nothing; the claim lapses)."""
        self._stopped = True
        self._tick.stop()
        self._poll.stop()
        child, self.child = self.child, None
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(3)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(3)
            log.info("automatic verification stopped: the app quit")
        if self._files is not None:
            for f in self._files:
                f.close()
            self._files = None


def describe(standing: Standing, locked: bool) -> tuple[str, str] | None:
    """(level, text) for the window's banner: "failed" (red, until a later verification
    passes), "notice" (amber: nothing signs the records, or the last run could not run), or
    None. While locked, no detail of the records."""
    decisive, latest = standing.decisive, standing.latest
    if decisive is not None and decisive.verdict == auto_verify.FAILED:
        when = f"{decisive.at:%Y-%m-%d %H:%M} UTC at {decisive.station}"
        how = "automatic verification" if decisive.automatic else "Verify records"
        if locked:
            return ("failed", f"\u26a0 RECORDS FAILED VERIFICATION ({how}, {when}). Sign in "
                    "to see which record; tell your administrator.")
        return ("failed", f"\u26a0 RECORDS FAILED VERIFICATION ({how}, {when}): "
                f"{decisive.first_problem or 'see Verify records'}. Records of this database "
                "were altered outside BWC Desk. Tell your administrator now. Administrators "
                "and auditors: run Administration > Verify records for every finding, and "
                "restore from a backup that verifies (docs/security.md, Backups and "
                "recovery). This notice stays until a verification passes.")
    if locked:
        return None
    if latest is not None and latest.verdict == auto_verify.ERROR:
        return ("notice", f"The automatic verification of the records could not run "
                f"({latest.at:%Y-%m-%d %H:%M} UTC at {latest.station}): {latest.headline} "
                "It is tried again within the hour; Administration > Verify records runs it "
                "by hand.")
    if decisive is not None and decisive.verdict == auto_verify.WARNING:
        return ("notice", f"Verification ({decisive.at:%Y-%m-%d %H:%M} UTC): every record "
                "matches, but no station key signs them, so deletions or a rewrite would not "
                "show. Ask your administrator to register the trust root (docs/ledger.md, "
                "Keys).")
    return None
