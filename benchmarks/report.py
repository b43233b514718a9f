"""docs/benchmarks.md, generated from the JSON files of several runs:

    python -m benchmarks.report RUN.json [RUN.json ...] > docs/benchmarks.md

For each size and each key: the minimum, median and maximum over the runs that measured it
(and how many they were); the ratio to its same-run baseline and whether the goal is met are
judged on the medians. The prose is benchmarks/template.md, whose ``{{figures}}`` and
``{{runs}}`` are replaced."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.harness import Figure, fmt
from benchmarks.keys import LABELS

TEMPLATE = Path(__file__).with_name("template.md")
SIZES = ("large", "small")


@dataclass
class Series:
    """One key's values over the runs of one size."""

    key: str
    unit: str
    baseline: str | None
    goal: str
    values: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return float(statistics.median(self.values))


def load(paths: list[Path]) -> list[dict[str, Any]]:
    runs = []
    for path in paths:
        data = json.loads(path.read_text())
        data.setdefault("at", "")
        data.setdefault("machine", {})
        data["file"] = path.name
        runs.append(data)
    return runs


def series(runs: list[dict[str, Any]], size: str) -> dict[str, Series]:
    out: dict[str, Series] = {}
    for run in runs:
        if run["size"] != size:
            continue
        for key, f in run["figures"].items():
            s = out.get(key)
            if s is None:
                s = out[key] = Series(key, f["unit"], f.get("baseline"), f.get("goal", ""))
            s.values.append(float(f["value"]))
            if f.get("note"):
                s.notes.append(f["note"])
    order = {key: i for i, key in enumerate(LABELS)}
    return dict(sorted(out.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def _value(v: float, unit: str) -> str:
    return f"{fmt(v)} {unit}"


def table(figures: dict[str, Series]) -> str:
    medians = {
        k: Figure(k, s.median, s.unit, "", s.baseline, s.goal) for k, s in figures.items()
    }
    lines = [
        "| figure | key | runs | min | median | max | baseline (median, same runs) | ratio "
        "| goal | met (median) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, s in figures.items():
        base = figures.get(s.baseline or "")
        ratio = f"{s.median / base.median:.2f}x" if base and base.median else ""
        goal = s.goal if "baseline" in s.goal else (f"{s.goal} {s.unit}" if s.goal else "")
        met = medians[key].met(medians)
        cells = [
            LABELS.get(key, key),
            f"`{key}`",
            str(len(s.values)),
            _value(min(s.values), s.unit),
            _value(s.median, s.unit),
            _value(max(s.values), s.unit),
            f"{_value(base.median, base.unit)} (`{base.key}`)" if base else "",
            ratio,
            goal,
            "**no**" if met == "NO" else met,
        ]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def notes(figures: dict[str, Series]) -> str:
    out = []
    for key, s in figures.items():
        if s.notes:
            seen = list(dict.fromkeys(s.notes))
            out.append(f"- `{key}`: " + " ".join(f"({i}) {n}" for i, n in
                                                 enumerate(seen[-3:], start=1)))
    return "\n".join(out)


def runs_text(runs: list[dict[str, Any]]) -> str:
    lines = ["| file | size | taken (UTC) | machine | load at start | wall time | command |",
             "|---|---|---|---|---|---|---|"]
    for run in runs:
        m = run["machine"]
        where = f"{m.get('system', '?')}, {m.get('cpus', '?')} CPUs, Python {m.get('python', '?')}"
        seconds = run.get("seconds") or {}
        total = sum(seconds.values())
        took = "?" if not seconds else f"{total:.0f} s" if total < 120 else f"{total / 60:.0f} min"
        lines.append(
            f"| {run['file']} | {run['size']} | {run['at'] or '?'} | {where} "
            f"| {m.get('load_at_start', '?')} | {took} | {m.get('argv', '') or '?'} |"
        )
    return "\n".join(lines)


def render(runs: list[dict[str, Any]], template: str) -> str:
    parts = []
    for size in SIZES:
        figures = series(runs, size)
        if not figures:
            continue
        n = sum(1 for r in runs if r["size"] == size)
        most = max(len(s.values) for s in figures.values())
        parts.append(
            f"### `--size {size}` ({n} JSON file{'s' if n != 1 else ''}; up to {most} "
            f"run{'s' if most != 1 else ''} per figure, see the runs column)\n\n"
            f"{table(figures)}"
        )
        extra = notes(figures)
        if extra:
            parts.append(f"Notes of the runs (the latest three different ones):\n\n{extra}")
    measured = {key for run in runs for key in run["figures"]}
    missing = [key for key in LABELS if key not in measured]
    if missing:
        parts.append("Not measured in these runs (`--only NAME` takes them): "
                     + ", ".join(f"`{key}`" for key in missing) + ".")
    return (template.replace("{{figures}}", "\n\n".join(parts))
            .replace("{{runs}}", runs_text(runs)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report")
    parser.add_argument("runs", nargs="+", type=Path, help="JSON files of `python -m benchmarks`")
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    args = parser.parse_args(argv)
    sys.stdout.write(render(load(args.runs), args.template.read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
