"""A supervisor's override at the counter checks the password the way sign-in does: the same
failure count, the same lockout, the same audit of a failed sign-in (bug: 8 wrong passwords in
the override dialog, then the right one, and the override was granted)."""

from __future__ import annotations

import pytest

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, auth, counter, inventory, officers
from bwc_desk.services.counter import FunctionTest, Override
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from tests.conftest import PASSWORD, make_actor
from tests.test_services_counter import put_in_bay

pytestmark = pytest.mark.both_backends

WRONG = "Wrong-password-1"


@pytest.fixture
def desk(admin_ctx, clock):
    jones = officers.add_officer(admin_ctx, OfficerInput("0007", "Jones", "Ann", shift="Night"))
    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0002", "X60A0002"))
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    sup = make_actor(admin_ctx, Role.SUPERVISOR, "sgt.reyes")
    put_in_bay(qm, "HPD-BWC-0002", 57, uploading=True)  # not ready: needs an override
    return {"qm": qm, "admin": admin_ctx, "sup": sup, "jones": jones, "clock": clock}


def _locked(admin, name):
    return next(r for r in auth.list_staff(admin) if r.username == name).locked


def test_wrong_override_passwords_lock_the_account_as_sign_in_failures_do(desk):
    qm, admin, clock = desk["qm"], desk["admin"], desk["clock"]
    answers = []
    for _ in range(5):
        clock.advance(seconds=20)
        with pytest.raises(DomainError) as err:
            counter.check_override(qm, "HPD-BWC-0002", Override("sgt.reyes", WRONG, "urgent"))
        answers.append(str(err.value))
    assert "password is wrong" in answers[0]
    assert "more failed attempt" in answers[3]  # the same warning as at sign-in
    assert "locked" in answers[-1] and "administrator must unlock" in answers[-1].lower()
    assert _locked(admin, "sgt.reyes")
    # the same audit as sign-in: each failure, the lockout; and each refused override
    failures = audit.list_audit(admin, event="sign-in failed")
    assert len(failures) == 5 and {f.staff_username for f in failures} == {"sgt.reyes"}
    assert all("override" in f.details["how"] for f in failures)
    assert len(audit.list_audit(admin, event="account locked out")) == 1
    refusals = audit.list_audit(admin, event="readiness override")
    assert [r.outcome for r in refusals] == ["refused"] * 5
    # now locked: the right password does not authorise an override, nor a sign-in
    clock.advance(seconds=20)
    with pytest.raises(DomainError, match="locked") as err:
        counter.check_override(qm, "HPD-BWC-0002", Override("sgt.reyes", PASSWORD, "urgent"))
    assert "administrator" in str(err.value).lower()
    with pytest.raises(DomainError, match="locked"):
        counter.issue_unit(qm, desk["jones"].id, "HPD-BWC-0002", function_test=FunctionTest(),
                           override=Override("sgt.reyes", PASSWORD, "urgent"))
    assert counter.out_now(qm) == []
    with pytest.raises(DomainError, match="locked"):
        auth.sign_in(qm.as_actor(None), "sgt.reyes", PASSWORD)


def test_override_and_sign_in_failures_add_up_and_issue_counts_them_too(desk):
    qm, admin, clock = desk["qm"], desk["admin"], desk["clock"]
    for _ in range(2):
        clock.advance(seconds=20)
        with pytest.raises(DomainError):
            auth.sign_in(qm.as_actor(None), "sgt.reyes", WRONG)
    for _ in range(2):
        clock.advance(seconds=20)
        with pytest.raises(DomainError, match="password is wrong"):
            counter.issue_unit(qm, desk["jones"].id, "HPD-BWC-0002",
                               function_test=FunctionTest(),
                               override=Override("sgt.reyes", WRONG, "urgent"))
    assert not _locked(admin, "sgt.reyes")
    clock.advance(seconds=20)
    with pytest.raises(DomainError, match="locked"):
        counter.check_override(qm, "HPD-BWC-0002", Override("sgt.reyes", WRONG, "urgent"))
    assert _locked(admin, "sgt.reyes")
    assert len(audit.list_audit(admin, event="sign-in failed")) == 5


def test_a_good_override_clears_earlier_failures_as_a_good_sign_in_does(desk):
    qm, admin, clock = desk["qm"], desk["admin"], desk["clock"]
    for _ in range(4):
        clock.advance(seconds=20)
        with pytest.raises(DomainError):
            counter.check_override(qm, "HPD-BWC-0002", Override("sgt.reyes", WRONG, "urgent"))
    assert counter.check_override(
        qm, "HPD-BWC-0002", Override("sgt.reyes", PASSWORD, "urgent")) == "Sgt.Reyes"
    assert counter.issue_unit(qm, desk["jones"].id, "HPD-BWC-0002", function_test=FunctionTest(),
                              override=Override("sgt.reyes", PASSWORD, "urgent")).issued
    clock.advance(seconds=20)
    with pytest.raises(DomainError, match="password is wrong"):
        counter.check_override(qm, "HPD-BWC-0002", Override("sgt.reyes", WRONG, "urgent"))
    assert not _locked(admin, "sgt.reyes")


def test_an_unknown_supervisor_name_counts_as_an_unknown_sign_in_name(desk):
    qm, admin, clock = desk["qm"], desk["admin"], desk["clock"]
    answers = []
    for _ in range(5):
        clock.advance(seconds=20)
        with pytest.raises(DomainError) as err:
            counter.check_override(qm, "HPD-BWC-0002", Override("sgt.ryes", WRONG, "urgent"))
        answers.append(str(err.value))
    assert "locked" in answers[-1]
    failures = audit.list_audit(admin, event="sign-in failed")
    assert len(failures) == 5 and failures[0].details["account"] == "none by that name"
