import pytest

from bwc_desk.services import counter, inventory, officers
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


def test_issue_and_return(admin_ctx, qm_ctx, clock):
    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0001", "X60A0001", "Axon Body 3"))
    off = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John", shift="Day"))
    res = counter.issue_unit(qm_ctx, off.id, "hpd-bwc-0001", function_test=FunctionTest())
    assert res.issued, res.message
    clock.advance(hours=8)
    ret = counter.return_unit(qm_ctx, "X60A0001")
    assert ret.seq and "returned" in ret.message
    from bwc_desk.store.ledger import verify_custody

    with admin_ctx.db.read() as s:
        rep = verify_custody(s)
    assert rep.ok and rep.count == 3, rep.summary()
