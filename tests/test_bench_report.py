"""docs/benchmarks.md is generated from the benchmarks' JSON files (benchmarks/report.py): the
generator renders runs into the template, and every key a benchmark can produce has a label.
No timings here."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import report  # noqa: E402
from benchmarks.harness import Figure, Run  # noqa: E402
from benchmarks.keys import LABELS  # noqa: E402

TEMPLATE = "# Title\n\n{{figures}}\n\n## Runs\n\n{{runs}}\n\nProse kept.\n"


def _run(tmp_path: Path, name: str, size: str, values: dict[str, float]) -> Path:
    run = Run(size)
    run.add(
        Figure("scan_alone_p99_ms", values["alone"], "ms", "alone"),
        Figure("scan_to_banner_p99_ms", values["busy"], "ms", "busy",
               baseline="scan_alone_p99_ms", goal="<= 100", note=f"note {name}"),
        Figure("startup_s", values["start"], "s", "start", baseline="bare_window_s",
               goal="<= 4x baseline"),
        Figure("bare_window_s", 1.0, "s", "bare"),
    )
    path = tmp_path / f"{name}.json"
    run.write_json(path)
    return path


def test_renders_min_median_max_and_judges_the_median(tmp_path: Path) -> None:
    paths = [
        _run(tmp_path, "a", "large", {"alone": 10, "busy": 50, "start": 3.0}),
        _run(tmp_path, "b", "large", {"alone": 20, "busy": 90, "start": 5.0}),
        _run(tmp_path, "c", "large", {"alone": 30, "busy": 400, "start": 4.5}),
        _run(tmp_path, "d", "small", {"alone": 5, "busy": 7, "start": 1.0}),
    ]
    text = report.render(report.load(paths), TEMPLATE)

    assert "{{" not in text and text.startswith("# Title") and "Prose kept." in text
    assert "### `--size large` (3 JSON files; up to 3 runs per figure" in text
    assert "### `--size small` (1 JSON file; up to 1 run per figure" in text
    large = text.split("### `--size large`")[1].split("### `--size small`")[0]
    row = next(line for line in large.splitlines() if "`scan_to_banner_p99_ms`" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    # label, key, runs, min, median, max, baseline, ratio, goal, met
    assert cells[0] == LABELS["scan_to_banner_p99_ms"]
    assert cells[2:6] == ["3", "50.0 ms", "90.0 ms", "400 ms"]
    assert cells[6] == "20.0 ms (`scan_alone_p99_ms`)"
    assert cells[7] == "4.50x"
    assert cells[8] == "<= 100 ms" and cells[9] == "yes"  # the median, not the worst run
    start = next(line for line in large.splitlines() if "`startup_s`" in line)
    assert start.rstrip().endswith("| <= 4x baseline | **no** |")  # 4.5 s > 4 x 1.0 s
    assert "(1) note a (2) note b (3) note c" in large
    assert text.count("| large |") == 3 and "| small |" in text  # the runs table
    assert "Not measured in these runs" in text and "`crash_kills_survived`" in text


def test_the_cli_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _run(tmp_path, "a", "small", {"alone": 1, "busy": 2, "start": 1.0})
    template = tmp_path / "t.md"
    template.write_text(TEMPLATE)
    assert report.main([str(path), "--template", str(template)]) == 0
    out = capsys.readouterr().out
    assert "`scan_to_banner_p99_ms`" in out and "a.json" in out
    assert json.loads(path.read_text())["machine"]["cpus"] >= 1


def _produced_keys() -> set[str]:
    """Every key passed as the first argument of a Figure(...) in the benchmarks' sources."""
    keys = set()
    for path in (ROOT / "benchmarks").glob("*.py"):
        if path.name in ("harness.py", "report.py"):  # (they handle figures of any key)
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Figure"
                and node.args
            ):
                first = node.args[0]
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                    f"{path.name}:{node.lineno}: a figure's key must be a plain string"
                )
                keys.add(first.value)
    return keys


def test_every_key_a_benchmark_produces_has_a_label() -> None:
    produced = _produced_keys()
    assert {"scan_to_banner_p99_ms", "main_stall_max_ms", "dock_to_tile_p99_ms",
            "startup_inventory_s", "roster_filter_p99_ms", "scan_service_p99_ms"} <= produced
    assert not {"scan_commit_p99_ms", "raw_filter_p99_ms"} & produced  # renamed, removed
    assert produced - set(LABELS) == set()
    assert set(LABELS) - produced == set()  # no label for a key nothing produces


def test_the_template_keeps_its_placeholders_and_prose() -> None:
    text = report.TEMPLATE.read_text()
    assert "{{figures}}" in text and "{{runs}}" in text
    for section in ("## The counter as a person uses it", "## Start-up", "## Docks"):
        assert section in text
