"""Figures, the table, and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    key: str
    value: float
    unit: str
    label: str
    baseline: str | None = None  # the key of the baseline figure measured in the same run
    goal: str = ""  # e.g. "< 250", "<= 4x baseline"
    note: str = ""

    def met(self, figures: dict[str, Figure]) -> str:
        if not self.goal:
            return ""
        op, _, rest = self.goal.partition(" ")
        if rest.endswith("x baseline"):
            base = figures.get(self.baseline or "")
            if base is None or not base.value:
                return "?"
            limit = float(rest.split("x")[0]) * base.value
        else:
            limit = float(rest)
        ok = self.value < limit if op == "<" else self.value <= limit
        return "yes" if ok else "NO"


def machine() -> dict[str, Any]:
    """Where a run was taken; the load average says how busy the machine was at its start."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "cpus": os.cpu_count() or 0,
        "load_at_start": round(load[0], 1),
        "argv": " ".join(sys.argv[1:]),
    }


@dataclass
class Run:
    size: str
    figures: dict[str, Figure] = field(default_factory=dict)
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    machine: dict[str, Any] = field(default_factory=machine)
    seconds: dict[str, float] = field(default_factory=dict)  # each benchmark's wall time

    def add(self, *figures: Figure) -> None:
        for f in figures:
            self.figures[f.key] = f

    def table(self) -> str:
        rows = [("figure", "key", "value", "baseline (same run)", "ratio", "goal", "met")]
        for f in self.figures.values():
            base = self.figures.get(f.baseline) if f.baseline else None
            ratio = f"{f.value / base.value:.2f}x" if base and base.value else ""
            rows.append(
                (
                    f.label,
                    f.key,
                    f"{fmt(f.value)} {f.unit}",
                    f"{fmt(base.value)} {base.unit} ({base.key})" if base else "",
                    ratio,
                    f"{f.goal} {f.unit}".strip() if f.goal and "baseline" not in f.goal else f.goal,
                    f.met(self.figures),
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [
            "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
            for r in rows
        ]
        lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
        return "\n".join(lines)

    def write_json(self, path: Path) -> None:
        data = {
            "size": self.size,
            "at": self.at,
            "machine": self.machine,
            "seconds": self.seconds,
            "figures": {k: asdict(f) for k, f in self.figures.items()},
        }
        path.write_text(json.dumps(data, indent=2))


def fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def median_of(n: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(n))


def percentile(samples: Sequence[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]
