#!/usr/bin/env python3
"""mypy, strict on the whole package, with a list of UI modules excused that only shrinks.

    python scripts/mypy_strict.py [extra mypy arguments]

Runs mypy with the project's configuration (pyproject.toml: ``strict = true`` for every module
of bwc_desk) and fails when
  - a module that is not in mypy-ui-exceptions.txt has an error (fix it: no new exceptions);
  - a module in mypy-ui-exceptions.txt has none (it passes strict now: take it off the list);
  - the list names a module that does not exist, or one below the UI (domain, store,
    services, adapters, cli are strict without exceptions).
Errors of the modules listed are counted, not shown (``--show-excused`` shows them).
`make test` and `make lint` run this instead of a bare ``mypy``."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXCEPTIONS_FILE = ROOT / "mypy-ui-exceptions.txt"
PACKAGE = "bwc_desk"
# What may be excused: the UI (widgets, views, dialogs, models) and the two modules that
# start it. Everything below the UI is strict without exceptions.
UI_PREFIXES = ("bwc_desk.ui.",)
UI_MODULES = ("bwc_desk.ui", "bwc_desk.launcher", "bwc_desk.app")

_ERROR = re.compile(r"^(?P<path>[^:\n]+\.pyi?):\d+(?::\d+)?: error: ", re.MULTILINE)


def read_exceptions(path: Path = EXCEPTIONS_FILE) -> list[str]:
    """The module names listed, one a line; blank lines and # comments ignored."""
    if not path.exists():
        return []
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.append(name)
    return names


def module_of(path: str, root: Path = ROOT) -> str:
    """``bwc_desk/ui/views/counter_tab.py`` -> ``bwc_desk.ui.views.counter_tab``."""
    p = Path(path)
    if p.is_absolute() and p.is_relative_to(root):
        p = p.relative_to(root)
    parts = list(p.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def errors_by_module(mypy_output: str, root: Path = ROOT) -> dict[str, list[str]]:
    """mypy's error lines, grouped by the module they are in (notes are left out)."""
    found: dict[str, list[str]] = {}
    for line in mypy_output.splitlines():
        match = _ERROR.match(line)
        if match:
            found.setdefault(module_of(match["path"], root), []).append(line)
    return found


def known_modules(root: Path = ROOT) -> set[str]:
    return {module_of(str(p.relative_to(root)), root) for p in (root / PACKAGE).rglob("*.py")}


def may_be_excused(module: str) -> bool:
    return module in UI_MODULES or module.startswith(UI_PREFIXES)


def problems(
    errors: Mapping[str, list[str]], excused: Iterable[str], modules: set[str]
) -> list[str]:
    """What is wrong, one message per module; [] when the run passes."""
    excused = list(excused)
    out: list[str] = []
    seen: set[str] = set()
    for name in excused:
        if name in seen:
            out.append(f"{name}: listed twice in {EXCEPTIONS_FILE.name}")
        seen.add(name)
        if name not in modules:
            out.append(f"{name}: no such module; take it off {EXCEPTIONS_FILE.name}")
        elif not may_be_excused(name):
            out.append(
                f"{name}: below the UI, where strict has no exceptions; take it off "
                f"{EXCEPTIONS_FILE.name} and fix its errors"
            )
        elif name not in errors:
            out.append(
                f"{name}: passes strict now; take it off {EXCEPTIONS_FILE.name} (the list "
                "only shrinks)"
            )
    for name in sorted(set(errors) - seen):
        lines = "\n".join(f"    {line}" for line in errors[name])
        out.append(
            f"{name}: fails strict and is not excused (fix it; the list of exceptions does "
            f"not grow):\n{lines}"
        )
    return out


def main(argv: list[str]) -> int:
    from mypy import api

    show_excused = "--show-excused" in argv
    args = [a for a in argv if a != "--show-excused"]
    stdout, stderr, status = api.run(args)
    if stderr.strip():
        sys.stderr.write(stderr)
    if status not in (0, 1):  # 2: mypy itself failed (a bad configuration, a crash)
        sys.stdout.write(stdout)
        return status
    errors = errors_by_module(stdout)
    excused = read_exceptions()
    found = problems(errors, excused, known_modules())
    counted = {m: len(errors[m]) for m in excused if m in errors}
    if show_excused:
        for module in counted:
            print("\n".join(errors[module]))
    if counted:
        print(
            f"mypy: {sum(counted.values())} errors in {len(counted)} excused UI modules "
            f"({EXCEPTIONS_FILE.name})"
        )
    if found:
        print("\n".join(found))
        print(f"mypy strict: {len(found)} problems")
        return 1
    summary = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    print(f"mypy strict: passed ({summary})" if summary else "mypy strict: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
