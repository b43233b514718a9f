"""The counter: issuing cameras to officers and taking them back.

Split along its seams: ``scan`` (what a scan is), ``issue``, ``pools``, ``overrides``,
``returns``, ``bays`` (where a returned camera goes), ``undo``, ``lists`` (Out now, not
docked, line-up), ``alerts``; every record they take and return is in ``dto``, their shared
Session helpers in ``common``. ``router`` (the ScanRouter: what a scan means at a counter,
with the agency's timing rules) is plain Python over ``dto``, with no database.
Every public name stays importable from ``bwc_desk.services.counter``.
"""

from bwc_desk.services.counter.alerts import counter_alerts
from bwc_desk.services.counter.bays import hold_bay, suggest_bay
from bwc_desk.services.counter.common import checkout_row, scan_rules
from bwc_desk.services.counter.dto import (
    CounterAlert,
    CounterScan,
    FunctionTest,
    Handover,
    IssuePlan,
    IssueResult,
    Lineup,
    LineupRow,
    NotDockedRow,
    Override,
    ReturnCondition,
    ReturnResult,
    ScanKind,
    ScanMatch,
    ScanRules,
    SwapReason,
    UndoResult,
)
from bwc_desk.services.counter.issue import identify_at_counter, issue_unit, plan_issue
from bwc_desk.services.counter.lists import (
    lineup,
    officer_card,
    out_now,
    out_now_touching,
    report_defect,
    returned_not_docked,
)
from bwc_desk.services.counter.overrides import check_override
from bwc_desk.services.counter.pools import next_ready_spare
from bwc_desk.services.counter.returns import return_unit
from bwc_desk.services.counter.scan import SEARCH_LIMIT, identify, search
from bwc_desk.services.counter.undo import undo

__all__ = [
    "SEARCH_LIMIT",
    "CounterAlert",
    "CounterScan",
    "FunctionTest",
    "Handover",
    "IssuePlan",
    "IssueResult",
    "Lineup",
    "LineupRow",
    "NotDockedRow",
    "Override",
    "ReturnCondition",
    "ReturnResult",
    "ScanKind",
    "ScanMatch",
    "ScanRules",
    "SwapReason",
    "UndoResult",
    "check_override",
    "checkout_row",
    "counter_alerts",
    "hold_bay",
    "identify",
    "identify_at_counter",
    "issue_unit",
    "lineup",
    "next_ready_spare",
    "officer_card",
    "out_now",
    "out_now_touching",
    "plan_issue",
    "report_defect",
    "return_unit",
    "returned_not_docked",
    "scan_rules",
    "search",
    "suggest_bay",
    "undo",
]
