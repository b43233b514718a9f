"""The whole sequence of one issue at the counter: the plan (read on a worker), then pool
override (when the camera is another division's or shift's) -> spare-swap reason ->
readiness override -> function test -> handover -> the issue itself. A supervisor's
credentials are checked (on a worker) as soon as they are typed, before the officer is asked
for anything else; a refusal reopens the form with the reason, the reasons still in view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bwc_desk.domain.docking import GateResult
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.settings import HandoverAck
from bwc_desk.services import counter
from bwc_desk.services.counter import FunctionTest, Handover, IssuePlan, IssueResult, Override
from bwc_desk.services.dto import OfficerRow
from bwc_desk.ui.dialogs.counter_dialogs import (
    FunctionTestDialog,
    GateDialog,
    PinDialog,
    SignatureDialog,
    SwapReasonDialog,
)
from bwc_desk.ui.feedback import Sound

if TYPE_CHECKING:
    from bwc_desk.ui.views.counter_tab import CounterTab

POOL = "a pool's limits"
READINESS = "the readiness check"


@dataclass
class IssueFlow:
    tab: CounterTab
    code: str
    plan: IssuePlan
    swap: str = ""
    override: Override | None = None
    pool_override: Override | None = None

    @property
    def unit(self) -> str:
        return self.plan.unit.asset_tag

    @property
    def officer(self) -> str:
        return self.plan.officer.label

    @classmethod
    def begin(
        cls,
        tab: CounterTab,
        code: str,
        officer: OfficerRow,
        unit: str,
        planned: IssuePlan | Exception | None = None,
    ) -> None:
        """Issue ``unit`` to ``officer``: read the plan (unless it was ``planned`` with the
        scan: the plan, or why the issue is refused), then ask what it still needs."""
        if isinstance(planned, IssuePlan):
            cls(tab, code, planned).start()
            return
        if planned is not None:
            tab.scan_failed(code, planned)
            return
        officer_id = officer.id
        tab.state.read(
            lambda ctx: counter.plan_issue(ctx, officer_id, unit),
            lambda plan: cls(tab, code, plan).start(),
            lambda exc: tab.scan_failed(code, exc),
        )

    def start(self) -> None:
        plan = self.plan
        if (plan.pool_conflict or plan.needs_swap_reason or not plan.gate.ready
                or plan.needs_function_test or plan.handover in (HandoverAck.PIN,
                                                                 HandoverAck.SIGNATURE)):
            # A dialog comes: the banner behind it says what is under way, not what the
            # last scan said (a refusal's red stayed behind the function test).
            self.tab.say_under_way(f"Issuing {self.unit} to {self.officer}...")
        if plan.pool_conflict:
            self._ask_override(POOL)
        else:
            self._after_pool()

    # --- supervisor overrides ------------------------------------------------------------
    def _ask_override(self, what: str, error: str = "", previous: Override | None = None) -> None:
        if what == POOL:
            gate = GateResult(False, (self.plan.pool_conflict,))
            dialog = GateDialog(
                self.unit,
                self.officer,
                gate,
                self.tab,
                title="Another pool's camera",
                what="is not from this officer's pool",
                error=error,
                previous=previous,
            )
        else:
            dialog = GateDialog(
                self.unit, self.officer, self.plan.gate, self.tab, error=error, previous=previous
            )
        if not self.tab.exec_dialog(dialog) or dialog.override is None:
            self._stop(
                f"{self.unit} was not issued. Scan another camera for {self.officer}.",
                "the supervisor's override",
            )
            return
        override = dialog.override
        unit = self.unit

        def ok(_name: str) -> None:
            if what == POOL:
                self.pool_override = override
                self._after_pool()
            else:
                self.override = override
                self._after_gate()

        def refused(exc: BaseException) -> None:
            if isinstance(exc, DomainError):
                self._ask_override(what, str(exc), override)
            else:
                self.tab.scan_failed(self.code, exc)

        self.tab.state.read(
            lambda ctx: counter.check_override(ctx, unit, override, what), ok, refused
        )

    # --- the steps -----------------------------------------------------------------------
    def _after_pool(self) -> None:
        plan = self.plan
        if plan.needs_swap_reason:
            dialog = SwapReasonDialog(
                self.unit, self.officer, plan.officer.primary_unit, self.tab, hint=plan.swap_hint
            )
            if not self.tab.exec_dialog(dialog):
                self._stop(f"{self.unit} was not issued (cancelled).", "the spare-swap reason")
                return
            self.swap = dialog.reason()
        if not plan.gate.ready:
            self._ask_override(READINESS)
        else:
            self._after_gate()

    def _after_gate(self) -> None:
        plan = self.plan
        test: FunctionTest | None = None
        if plan.needs_function_test:
            dialog_t = FunctionTestDialog(self.unit, self.officer, self.tab)
            if not self.tab.exec_dialog(dialog_t):
                self._stop(f"{self.unit} was not issued (cancelled).", "the function test")
                return
            test = dialog_t.test
        handover = None
        if plan.handover is HandoverAck.PIN:
            pin = PinDialog(self.officer, self.tab)
            if not self.tab.exec_dialog(pin):
                self._stop(f"{self.unit} was not issued (cancelled).", "the officer's PIN")
                return
            handover = Handover(pin=pin.pin_edit.text())
        elif plan.handover is HandoverAck.SIGNATURE:
            sign = SignatureDialog(self.officer, self.tab)
            if not self.tab.exec_dialog(sign):
                self._stop(f"{self.unit} was not issued (cancelled).", "the officer's signature")
                return
            handover = Handover(signature=sign.pad.svg_path())
        officer_id, unit, swap = plan.officer.id, self.unit, self.swap
        override, pool_override = self.override, self.pool_override

        def issue(ctx: Any) -> IssueResult:
            return counter.issue_unit(
                ctx,
                officer_id,
                unit,
                swap_reason=swap,
                function_test=test,
                handover=handover,
                override=override,
                pool_override=pool_override,
            )

        code = self.code
        self.tab.state.write(
            issue,
            self._finished,
            lambda exc: self.tab.scan_failed(code, exc),
            changed="custody",
        )

    # --- where it ends -------------------------------------------------------------------
    def _stop(self, text: str, step: str) -> None:
        """The issue ends at ``step``, not recorded: cancelled by the clerk, or its dialog
        closed by the station's lock (said to whoever signs in next, and in This session:
        the officer may have walked off with the camera)."""
        if self.tab.state.locked:
            self.tab.cut_by_lock(
                f"Not issued: {self.unit} to {self.officer}, the station locked during "
                f"{step}; scan again to issue."
            )
        else:
            self.tab.say("notice", text)
        self.tab.scan_done(self.code)

    def _finished(self, result: IssueResult) -> None:
        tab = self.tab
        tab.offer_spare(None)
        if result.duplicate:
            tab.say("notice", result.message, Sound.NOTICE, log=True, refused=True)
        elif result.issued:
            assert result.checkout is not None
            tab.say("ok", result.message, Sound.OK)  # (painted at once, the lists after)
            tab.lists.issued(result.checkout)
            tab.undo_control.remember(
                result.seq, result.undo_window_seconds, result.checkout.asset_tag
            )
            tab.lists.log(result.message, False)
            tab.served()
        else:
            tab.say("error", result.message, Sound.ERROR, log=True, refused=True)
            # A failed function test: the next ready spare, one click (or scan) away.
            tab.offer_spare(result.next_spare.asset_tag if result.next_spare else None)
        tab.scan_done(self.code)
