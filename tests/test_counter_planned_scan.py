"""A scan that most likely starts an issue brings the issue's plan with it
(``counter.identify_at_counter``): the answer of an issue one trip to a worker sooner. The
router still decides what the scan means; a plan's refusal is kept, and said only if the scan
is an issue."""

from __future__ import annotations

import pytest

from bwc_desk.domain.errors import DomainError
from bwc_desk.services import counter
from bwc_desk.services.counter import issue as issue_module
from bwc_desk.services.counter.dto import ScanKind
from bwc_desk.ui.dialogs.counter_dialogs import FunctionTestDialog
from tests import test_services_counter, test_ui_counter
from tests.conftest import answer
from tests.test_services_counter import snapshot
from tests.test_ui_counter import banner, pass_test, scan

room = test_services_counter.room  # (the fixtures: a room of two officers, a counter)
desk = test_ui_counter.desk


def test_a_camera_scanned_while_an_officer_waits_brings_the_plan(room):
    qm, smith = room["qm"], room["smith"]
    got = counter.identify_at_counter(qm, "HPD-BWC-0001", smith.id, None)
    assert got.match.kind is ScanKind.UNIT and got.match.unit.asset_tag == "HPD-BWC-0001"
    assert got.plan == counter.plan_issue(qm, smith.id, "HPD-BWC-0001")
    assert got.plan_for(smith.id, "HPD-BWC-0001") == got.plan
    assert got.plan_for(smith.id, "HPD-BWC-0002") is None  # read for another camera
    assert got.plan_for(room["jones"].id, "HPD-BWC-0001") is None


def test_a_badge_scanned_while_a_camera_waits_brings_the_plan(room):
    qm, smith = room["qm"], room["smith"]
    got = counter.identify_at_counter(qm, "ID-0412", None, "HPD-BWC-0001")
    assert got.match.kind is ScanKind.OFFICER
    assert got.plan == counter.plan_issue(qm, smith.id, "HPD-BWC-0001")


def test_no_plan_when_no_issue_is_likely(room):
    qm, smith = room["qm"], room["smith"]
    assert counter.identify_at_counter(qm, "HPD-BWC-0002").plan is None  # nobody waits
    assert counter.identify_at_counter(qm, "ID-0412").plan is None  # no camera waits
    counter.issue_unit(qm, room["jones"].id, "HPD-BWC-0002",
                       function_test=counter.FunctionTest())
    room["clock"].advance(minutes=5)
    out = counter.identify_at_counter(qm, "HPD-BWC-0002", smith.id, None)
    assert out.plan is None and out.refusal is None  # out: its return, not an issue


def test_a_refused_plan_is_kept_not_raised_and_changes_nothing(room):
    qm, jones = room["qm"], room["jones"]
    before = snapshot(qm)
    got = counter.identify_at_counter(qm, "HPD-BWC-0001", jones.id, None)
    assert got.plan is None
    assert isinstance(got.refusal, DomainError)
    assert "primary camera of Smith, John" in str(got.refusal)
    assert got.plan_for(jones.id, "HPD-BWC-0001") is got.refusal
    assert snapshot(qm) == before


def test_an_issue_at_the_counter_plans_in_the_scans_own_read(qtbot, desk, monkeypatch):
    tab = desk["tab"]
    with_the_scan: list[tuple[int, str]] = []
    read_again: list[tuple[int, str]] = []  # IssueFlow's own read of the plan
    real = issue_module.plan_issue

    def counted(into):  # type: ignore[no-untyped-def]
        def plan(ctx, officer_id, unit):  # type: ignore[no-untyped-def]
            into.append((officer_id, unit))
            return real(ctx, officer_id, unit)

        return plan

    monkeypatch.setattr(issue_module, "plan_issue", counted(with_the_scan))
    monkeypatch.setattr(counter, "plan_issue", counted(read_again))
    scan(qtbot, tab, "ID-0412")
    assert with_the_scan == []
    answer(qtbot, pass_test, FunctionTestDialog)  # the function test
    scan(qtbot, tab, "HPD-BWC-0001")
    assert banner(tab)[0] == "ok" and "issued to Smith, John" in banner(tab)[1]
    assert with_the_scan == [(desk["smith"].id, "HPD-BWC-0001")]
    assert read_again == []


def test_a_refusal_planned_with_the_scan_is_said_like_any_other(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    before = snapshot(qm)
    scan(qtbot, tab, "ID-0007")
    scan(qtbot, tab, "HPD-BWC-0001")
    kind, text = banner(tab)
    assert kind == "error" and "primary camera of Smith, John" in text and "Jones" in text
    assert snapshot(qm) == before
    assert tab.focusWidget() is tab.scan_edit


@pytest.mark.parametrize("first", ["badge", "camera"])
def test_both_orders_still_issue(qtbot, desk, first):
    tab = desk["tab"]
    codes = ["ID-0412", "HPD-BWC-0001"] if first == "badge" else ["HPD-BWC-0001", "ID-0412"]
    scan(qtbot, tab, codes[0])
    answer(qtbot, pass_test, FunctionTestDialog)
    scan(qtbot, tab, codes[1])
    assert banner(tab)[0] == "ok"
    assert counter.out_now(desk["qm"])[0].asset_tag == "HPD-BWC-0001"
