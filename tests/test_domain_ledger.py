from bwc_desk.domain.ledger import (
    GENESIS,
    Tamper,
    custody_payload,
    record_hash,
    verify_chain,
)


def build(n):
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        payload = custody_payload(
            seq,
            f"2026-11-2{seq % 9}T07:00:00.000000Z",
            "issued",
            seq,
            7,
            1,
            "quinn",
            "DESK-1",
            None,
            None,
            None,
        )
        digest = record_hash(prev, payload)
        rows.append((seq, prev, digest, payload))
        prev = digest
    return rows


def test_intact_chain_verifies_with_count_and_head():
    rows = build(5)
    report = verify_chain("custody", rows, (5, rows[-1][2]))
    assert report.ok and report.count == 5 and report.head_hash == rows[-1][2]
    assert "OK, 5 records" in report.summary()


def test_length_prefix_makes_the_encoding_unambiguous():
    a = custody_payload(1, "t", "issued", 1, None, 1, "a|b", "c", None, None, None)
    b = custody_payload(1, "t", "issued", 1, None, 1, "a", "b|c", None, None, None)
    assert a != b


def test_changed_record_is_named():
    rows = build(6)
    seq, prev, digest, payload = rows[2]
    rows[2] = (seq, prev, digest, payload.replace("quinn", "mallory"))
    problem = verify_chain("custody", rows).problem
    assert problem is not None and problem.seq == 3 and problem.tamper is Tamper.CHANGED


def test_changed_record_with_recomputed_hash_is_named_by_the_broken_link():
    rows = build(6)
    seq, prev, _digest, payload = rows[2]
    payload = payload.replace("quinn", "mallory")
    rows[2] = (seq, prev, record_hash(prev, payload), payload)
    problem = verify_chain("custody", rows).problem
    assert problem is not None and problem.seq == 3 and problem.tamper is Tamper.CHANGED


def test_deleted_records_are_named_missing():
    rows = build(6)
    del rows[3:5]
    problem = verify_chain("custody", rows).problem
    assert problem is not None and problem.tamper is Tamper.MISSING and problem.seq == 4
    assert "#4 to #5" in problem.message


def test_deleted_last_record_is_caught_by_the_head_register():
    rows = build(6)
    head = (6, rows[-1][2])
    problem = verify_chain("custody", rows[:-1], head).problem
    assert problem is not None and problem.tamper is Tamper.MISSING and problem.seq == 6


def test_inserted_duplicate_is_named_inserted():
    rows = build(5)
    fake = (3, rows[1][2], "f" * 64, "custody|3|forged")
    rows.insert(3, fake)  # after the genuine #3
    problem = verify_chain("custody", rows).problem
    assert problem is not None and problem.tamper is Tamper.INSERTED and problem.seq == 3


def test_inserted_before_the_genuine_record_is_named_inserted():
    rows = build(5)
    fake = (3, "e" * 64, "f" * 64, "custody|3|forged")
    rows.insert(2, fake)  # before the genuine #3, which still links to #2
    problem = verify_chain("custody", rows).problem
    assert problem is not None and problem.tamper is Tamper.INSERTED and problem.seq == 3


def test_appended_record_after_the_recorded_head_is_inserted():
    rows = build(5)
    head = (5, rows[-1][2])
    payload = "custody|6|forged"
    rows.append((6, rows[-1][2], record_hash(rows[-1][2], payload), payload))
    problem = verify_chain("custody", rows, head).problem
    assert problem is not None and problem.tamper is Tamper.INSERTED and problem.seq == 6


def test_rewritten_history_differs_from_a_head_kept_outside():
    rows = build(4)
    outside_copy = (4, rows[-1][2])
    rewritten, prev = [], GENESIS
    for seq, _p, _d, payload in rows:
        payload = payload.replace("quinn", "mallory")
        digest = record_hash(prev, payload)
        rewritten.append((seq, prev, digest, payload))
        prev = digest
    problem = verify_chain("custody", rewritten, outside_copy).problem
    assert problem is not None and problem.tamper is Tamper.CHANGED


def test_empty_chain_is_ok():
    assert verify_chain("audit", []).ok


def test_signatures_name_everything_they_cover() -> None:
    from bwc_desk.domain.signing import (
        Verifier,
        checkpoint_message,
        fingerprint,
        new_private_key,
        public_hex,
        sign,
    )

    key = new_private_key()
    public = public_hex(key)
    message = checkpoint_message("db", "custody", 7, "ab" * 32, "2026-11-24T06:45:00.000000Z",
                                 "DESK-1", "k")
    signature = sign(key, message)
    verifier = Verifier(public)
    assert verifier.check(message, signature)
    for changed in (
        checkpoint_message("db", "custody", 8, "ab" * 32, "2026-11-24T06:45:00.000000Z",
                           "DESK-1", "k"),
        checkpoint_message("db2", "custody", 7, "ab" * 32, "2026-11-24T06:45:00.000000Z",
                           "DESK-1", "k"),
        checkpoint_message("db", "audit", 7, "ab" * 32, "2026-11-24T06:45:00.000000Z",
                           "DESK-1", "k"),
    ):
        assert not verifier.check(changed, signature)
    assert not verifier.check(message, "00" * 64)
    assert not verifier.check(message, "not hex")
    assert not Verifier("zz").check(message, signature)
    assert len(fingerprint(public).split()) == 8
