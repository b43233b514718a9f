"""`bwc-desk report` and `bwc-desk batches` as the user runs them: a separate process."""

from __future__ import annotations

import csv

import pypdf

from tests.conftest import PASSWORD
from tests.test_cli_subprocess import cli  # noqa: F401  (the fixture)


def test_batches_and_a_report_from_the_command_line(cli, tmp_path):  # noqa: F811
    cli("users", "add", "chief", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    cli("users", "add", "quinn", "--role", "quartermaster", "--password-stdin", "--as", "chief",
        stdin=f"{PASSWORD}\nfirst temporary phrase 61\n")
    cli("users", "password", "quinn", "--password-stdin",  # (the administrator's: temporary)
        stdin=f"first temporary phrase 61\n{PASSWORD}\n{PASSWORD}\n")
    units = tmp_path / "units.csv"
    units.write_text("asset_tag,serial\nHPD-1,S-1\nHPD-2,S-2\nHPD-3,S-3\n", "utf-8")
    signed = ("--as", "chief", "--password-stdin")
    cli("import", "units", str(units), *signed, stdin=PASSWORD + "\n")
    out = cli("batches", "add", "2019 lot", "--purchased", "2019-06-01", "--count", "325",
              "--unit-cost", "899.00", "--licence-cost", "199", "--service-years", "5",
              "--as", "chief", "--password-stdin", stdin=PASSWORD + "\n").stdout
    assert "added batch 2019 lot" in out
    assert "2 cameras" in cli("batches", "assign", "2019 lot", "HPD-1", "hpd-2", *signed,
                              stdin=PASSWORD + "\n").stdout
    assert "2 cameras in the inventory" in cli("batches", "list").stdout
    bad = cli("batches", "assign", "2019 lot", "HPD-9", *signed, stdin=PASSWORD + "\n",
              ok=False)
    assert "HPD-9" in bad.stderr

    out = cli("report", "lifecycle", "--out", str(tmp_path / "l.pdf"), "--as", "chief",
              "--password-stdin", stdin=PASSWORD + "\n").stdout
    assert "Ledger heads: custody #" in out
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "l.pdf").pages)
    assert "2019 lot" in text and "292,175.00 USD" in text
    assert out.splitlines()[-1] in " ".join(text.split())
    cli("report", "compliance", "--from", "2026-11-01", "--to", "2026-11-02",
        "--out", str(tmp_path / "c.csv"), *signed, stdin=PASSWORD + "\n")
    with open(tmp_path / "c.csv", encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh))[:2] == ["day", "shift"]
    assert (tmp_path / "c-totals.csv").exists()

    refused = cli("report", "annual", "--out", str(tmp_path / "a.pdf"), "--as", "quinn",
                  "--password-stdin", stdin=PASSWORD + "\n", ok=False)
    assert "only supervisor, admin or auditor may produce reports" in refused.stderr
    assert not (tmp_path / "a.pdf").exists()
    wrong = cli("report", "compliance", "--shift", "Graveyard", "--out",
                str(tmp_path / "g.pdf"), *signed, stdin=PASSWORD + "\n", ok=False)
    assert "no shift called 'Graveyard'" in wrong.stderr
