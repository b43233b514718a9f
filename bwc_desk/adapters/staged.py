"""A file that appears only once what it depends on is done.

An export writes its file under a temporary name, records itself in the audit log (with the
file's SHA-256), and only then moves the file into place: a copy of custody data on disk that
the audit log does not know of is never left behind, and a failed write leaves nothing."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from bwc_desk.domain.errors import ValidationError

STAGED = ".staged"  # the suffix an export is written under until it is recorded


def chosen(path: Path) -> Path:
    """The file the person chose, of the name it is written under first (what messages
    name: "officers.csv.staged" was shown)."""
    return path.with_name(path.name.removesuffix(STAGED))


@contextmanager
def staged(path: Path | str) -> Iterator[Path]:
    """Yields the temporary path to write; the file is moved to ``path`` when the block ends
    without an error, and removed when it raises."""
    path = Path(path)
    tmp = path.with_name(path.name + STAGED)
    try:
        try:
            yield tmp
        except OSError as exc:
            # The file could not be written where the person chose (a folder that is a file,
            # a full disk, no permission): said with the name they chose, not ours.
            if not str(exc.filename or "").startswith(str(tmp)):
                raise
            raise ValidationError(
                f"Cannot write {path}: {exc.strerror or exc}. Nothing was exported; choose "
                "another folder (or free some space) and export again."
            ) from None
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise ValidationError(
                f"Cannot write {path}: {exc.strerror or exc}. The export was recorded but the "
                "file could not be put in place; choose another folder and export again."
            ) from None
    finally:
        with suppress(OSError):  # (where nothing could be written, nothing can be removed)
            tmp.unlink(missing_ok=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
