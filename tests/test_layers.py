"""UI -> services -> store -> domain, layers inside services, no import cycles there, no Qt
below the UI, a command line that goes through services: enforced by import-linter contracts
in pyproject.toml. The tests that plant violations prove the contracts can fail."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


def test_layers_are_kept():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: \d+ kept, 0 broken", result.stdout)
    for contract in (
        "app -> ui|cli -> services -> adapters -> store -> domain",
        "Layers inside services",
        "No import cycles inside services",
        "No Qt below the UI",
        "Widgets never touch the database",
        "The command line goes through services",
        "The domain is pure",
    ):
        assert f"{contract} KEPT" in result.stdout, contract


def copy_of_the_package(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    shutil.copytree(
        ROOT / "bwc_desk", copy / "bwc_desk", ignore=shutil.ignore_patterns("__pycache__")
    )
    return copy


def test_a_crossed_layer_is_caught(tmp_path):
    copy = copy_of_the_package(tmp_path)
    rules = copy / "bwc_desk" / "domain" / "units.py"
    rules.write_text(rules.read_text() + "\nimport PySide6.QtCore  # noqa\n")
    widget = copy / "bwc_desk" / "ui" / "widgets.py"
    widget.write_text(widget.read_text() + "\nfrom bwc_desk.store import db  # noqa\n")
    result = lint(copy)
    assert result.returncode != 0
    assert "No Qt below the UI" in result.stdout and "BROKEN" in result.stdout
    assert "Widgets never touch the database" in result.stdout


def test_a_lazy_import_cycle_in_services_and_a_cli_session_are_caught(tmp_path):
    """A function-level import is an import: the one Ctx.require once used to audit a
    refusal (context -> audit -> context) breaks both the layers and the no-cycles contract;
    a CLI module that opens the database itself breaks its own."""
    copy = copy_of_the_package(tmp_path)
    context = copy / "bwc_desk" / "services" / "context.py"
    context.write_text(
        context.read_text()
        + "\n\ndef _refused() -> None:\n    from bwc_desk.services import audit  # noqa\n"
    )
    cli = copy / "bwc_desk" / "cli" / "commands.py"
    planted = "\n\ndef _open() -> None:\n    from bwc_desk.store.db import Database  # noqa\n"
    cli.write_text(cli.read_text() + planted)
    result = lint(copy)
    assert result.returncode != 0
    for contract in (
        "Layers inside services BROKEN",
        "No import cycles inside services BROKEN",
        "The command line goes through services BROKEN",
    ):
        assert contract in result.stdout, result.stdout
    assert "bwc_desk.services.context -> bwc_desk.services.audit" in result.stdout


def test_the_ui_and_the_cli_never_reach_the_database_behind_ctx():
    """Widgets and the launcher show where the data is from a StationInfo
    (services/stations.py); the command line opens and closes through services (open_ctx,
    Ctx.close). The Database behind Ctx.db is the services' own."""
    reaching = re.compile(r"\bctx\.db\b|\bctx\(\)\.db\b")
    package = ROOT / "bwc_desk"
    sources = [*(package / "ui").rglob("*.py"), *(package / "cli").rglob("*.py"),
               package / "launcher.py"]
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted(sources)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if reaching.search(line)
    ]
    assert found == []


def test_the_architecture_doc_shows_the_services_layers_as_enforced():
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]
    layers = next(
        c["layers"] for c in contracts["importlinter"]["contracts"]
        if c["name"] == "Layers inside services"
    )
    doc = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    shown = re.search(r"Inside `services`, top first[^\n]*\n\n```\n(.*?)\n```", doc, re.S)
    assert shown is not None and shown.group(1).splitlines() == layers
