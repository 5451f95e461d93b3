"""Runs the hostile-code corpus (tests/fixtures/hostile) through the gate (static checks, the
sandboxed recording, the sandboxed replay); `python -m tests.sandbox.corpus` prints the docs table."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gensim.sandbox import Limits

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
LIMITS = Limits(wall_s=20, cpu_s=20, memory_mb=2048, file_mb=64, output_kb=64, phase_s=4, scratch_mb=128)
SEEDS = (0,)


def manifest() -> dict[str, dict[str, Any]]:
    return json.loads((CORPUS / "manifest.json").read_text())


def run_one(file_name: str) -> dict[str, Any]:
    """The verdict of one corpus file through the gate: outcome, refusals, seconds, first error."""
    from gensim.checking.gate import check_file

    start = time.perf_counter()
    verdict = check_file(CORPUS / file_name, seeds=SEEDS, limits=LIMITS)
    return {"file": file_name, "outcome": verdict.outcome, "refused": bool(verdict.violations),
            "violations": verdict.violations, "errors": verdict.errors, "isolation": verdict.isolation,
            "stage": verdict.stage, "seconds": round(time.perf_counter() - start, 2)}


def run_corpus(files: list[str], workers: int = 2) -> list[dict[str, Any]]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run_one, files))


def matches(row: dict[str, Any], want: dict[str, Any]) -> bool:
    expect = want["expect"] if isinstance(want["expect"], list) else [want["expect"]]
    refused_ok = want.get("refused") is None or bool(want["refused"]) == row["refused"]
    return row["outcome"] in expect and refused_ok


def table(rows: list[dict[str, Any]], wanted: dict[str, dict[str, Any]]) -> str:
    lines = ["| file | expected | actual | refused | seconds |", "|---|---|---|---|---|"]
    for row in sorted(rows, key=lambda r: r["file"]):
        want = wanted[row["file"]]
        expect = "/".join(want["expect"]) if isinstance(want["expect"], list) else want["expect"]
        ok = "" if matches(row, want) else " **MISMATCH**"
        lines.append(f"| {row['file']} | {expect} | {row['outcome']}{ok} | "
                     f"{'yes' if row['refused'] else 'no'} | {row['seconds']:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    wanted = manifest()
    rows = run_corpus(sorted(wanted))
    print(table(rows, wanted))
    print("\nisolation:", rows[0]["isolation"])
    for row in rows:
        if not matches(row, wanted[row["file"]]):
            print("MISMATCH", row["file"], row["outcome"], row["violations"][:3], row["errors"][:3])
