"""`bwc-desk export evidence ...` and `bwc-desk verify-export DIR`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from bwc_desk.domain.errors import DomainError
from bwc_desk.services.evidence import EvidenceRequest, export_evidence
from bwc_desk.services.evidence_check import verify_export


def cmd_export_evidence(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx

    if not (args.unit or args.officer):
        raise DomainError("Name the camera (--unit TAG) or the officer (--officer BADGE).")
    ctx = signed_ctx(args)
    try:
        result = export_evidence(
            ctx,
            EvidenceRequest(args.unit, args.officer, args.date_from, args.date_to),
            Path(args.file),
        )
    finally:
        ctx.close()
    print(result.summary(), file=out)
    print(f"Check it: bwc-desk verify-export {result.folder}  (or, without BWC Desk: "
          f"cd {result.folder} && sha256sum -c MANIFEST.sha256 && python3 check_export.py)",
          file=out)
    return 0


def cmd_verify_export(args: argparse.Namespace, out: TextIO) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        raise DomainError(f"{folder} is not a folder; give the folder the export wrote.")
    check = verify_export(folder)
    for note in check.notes:
        print(note, file=out)
    for problem in check.problems:
        print(f"FAILED: {problem}", file=out)
    if check.ok:
        print("export OK: every file matches the signed manifest, every record its hash",
              file=out)
    return 0 if check.ok else 1
