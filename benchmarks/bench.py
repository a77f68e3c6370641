"""`make bench`: each lecture's wall time under nbval, each widget's update latency, kernel benchmarks.

Budgets (on the 2-core CPU machine): a lecture <= 20 s, a widget update p95 <= 50 ms.
A missed budget is printed as a finding; this script never fails because of one.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `benchmarks.*` importable
    sys.path.insert(0, str(ROOT))
LECTURE_BUDGET_S = 20.0
WIDGET_P95_BUDGET_MS = 50.0


def time_lectures(only: list[str] | None) -> list[dict]:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    rows = []
    for path in sorted((ROOT / "lectures").glob("[0-9][0-9]_*.py")):
        if only and not any(path.name.startswith(o) for o in only):
            continue
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
               "--nbval-cell-timeout=600", str(path.relative_to(ROOT))]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        rows.append({"lecture": path.name, "seconds": round(seconds, 2), "passed": proc.returncode == 0,
                     "within_budget": seconds <= LECTURE_BUDGET_S})
        flag = "" if seconds <= LECTURE_BUDGET_S else f"  <-- over the {LECTURE_BUDGET_S:.0f} s budget"
        print(f"  {path.name:<40} {seconds:6.1f} s  {'pass' if proc.returncode == 0 else 'FAIL'}{flag}", flush=True)
    return rows


def time_widgets() -> list[dict]:
    from course_lib.catalog import WIDGETS
    from course_lib.ui.widgets import measure_latency

    rows = []
    for name, builder in WIDGETS.items():
        t0 = time.perf_counter()
        ui = builder()
        build_s = time.perf_counter() - t0
        stats = measure_latency(ui)
        row = {"widget": name, "build_s": round(build_s, 3), **{k: round(v, 3) for k, v in stats.items()}}
        row["within_budget"] = stats["p95_ms"] <= WIDGET_P95_BUDGET_MS
        rows.append(row)
        flag = "" if row["within_budget"] else f"  <-- over the {WIDGET_P95_BUDGET_MS:.0f} ms budget"
        print(f"  {name:<40} build {build_s:5.2f} s  p50 {stats['p50_ms']:6.2f} ms  p95 {stats['p95_ms']:6.2f} ms"
              f"  ({stats['moves']} moves){flag}", flush=True)
    return rows


def run_kernel_benchmarks() -> list[dict]:
    from benchmarks.registry import BENCHMARKS

    rows = []
    for name, fn in BENCHMARKS.items():
        figures = fn()
        rows.append({"benchmark": name, **figures})
        print(f"  {name}: " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                        for k, v in figures.items() if k != "rows"), flush=True)
        for row in figures.get("rows", []):
            print(f"    {'✔' if row['ok'] else '✘'} {row['what']}: {row['measured']} (budget {row['budget']})",
                  flush=True)
    return rows


BROWSER_BUDGET_MS = 200.0
E2E_LATENCY = ROOT / "build" / "e2e" / "latency.json"  # written by `make e2e` (tests/e2e)


def markdown_table(report: dict) -> str:
    """One table: every measured figure with its budget and pass/fail."""
    rows = ["| what | measured | budget | |", "|---|---|---|---|"]
    for r in report.get("lectures", []):
        ok = r["passed"] and r["within_budget"]
        rows.append(f"| lecture {r['lecture']} under nbval | {r['seconds']:.1f} s | ≤ {LECTURE_BUDGET_S:.0f} s"
                    f"{'' if r['passed'] else ' (lecture FAILED)'} | {'✔' if ok else '✘'} |")
    for r in report.get("widgets", []):
        rows.append(f"| widget {r['widget']}: update p50 / p95 | {r['p50_ms']:.2f} / {r['p95_ms']:.2f} ms | "
                    f"p95 ≤ {WIDGET_P95_BUDGET_MS:.0f} ms | {'✔' if r['within_budget'] else '✘'} |")
    for r in report.get("browser", []):
        ok = r["p95_ms"] <= BROWSER_BUDGET_MS
        rows.append(f"| browser slider → redraw, {r['lecture']} | p95 {r['p95_ms']:.0f} ms | "
                    f"≤ {BROWSER_BUDGET_MS:.0f} ms | {'✔' if ok else '✘'} |")
    for r in report.get("kernels", []):
        for row in r.get("rows", []):  # the figures a benchmark states against a budget
            mark = ("✔" if row["ok"] else "✘") if row["budget"] != "—" else ""
            rows.append(f"| {row['what']} | {row['measured']} | {row['budget']} | {mark} |")
    rows += ["", "Every figure of the kernel benchmarks:", "", "| benchmark | figures |", "|---|---|"]
    for r in report.get("kernels", []):
        figures = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                            for k, v in r.items() if k not in ("benchmark", "rows"))
        rows.append(f"| {r['benchmark']} | {figures} |")
    machine = report["machine"]
    head = (f"# make bench\n\nPython {machine['python']}, torch {machine['torch']}, {machine['cpus']} CPUs, "
            f"CUDA: {machine['cuda']}.\n\n")
    if not report.get("browser"):
        head += "Browser redraw: not measured (run `make e2e` first; it needs Debian's chromium).\n\n"
    return head + "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="build/bench.json")
    parser.add_argument("--only", nargs="*", help="lecture prefixes, e.g. 01 04")
    parser.add_argument("--skip-lectures", action="store_true")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "torch": torch.__version__,
                          "cuda": torch.cuda.is_available()}}
    if not args.skip_lectures:
        print("Lectures under nbval (fresh kernel, 1 thread):", flush=True)
        report["lectures"] = time_lectures(args.only)
    print("Widgets (build, then every slider position; callback + figure update):", flush=True)
    report["widgets"] = time_widgets()
    print("Kernel benchmarks:", flush=True)
    report["kernels"] = run_kernel_benchmarks()

    if E2E_LATENCY.exists():
        report["browser"] = json.loads(E2E_LATENCY.read_text())

    out = ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    out.with_suffix(".md").write_text(markdown_table(report), encoding="utf-8")
    misses = [r["lecture"] for r in report.get("lectures", []) if not r["within_budget"]] + \
             [r["widget"] for r in report["widgets"] if not r["within_budget"]] + \
             [row["what"] for r in report["kernels"] for row in r.get("rows", []) if not row["ok"]]
    failed = [r["lecture"] for r in report.get("lectures", []) if not r["passed"]]
    print(f"\nwrote {out.relative_to(ROOT)} and {out.with_suffix('.md').relative_to(ROOT)}")
    if misses:
        print("FINDING: over budget: " + ", ".join(misses))
    if failed:
        print("FINDING: lectures that failed: " + ", ".join(failed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
