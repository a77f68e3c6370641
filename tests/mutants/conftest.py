"""Prints the lecture x mutant table at the end of `make mutants`."""
from __future__ import annotations


def pytest_terminal_summary(terminalreporter):
    rows = []
    for reports in terminalreporter.stats.values():
        for rep in reports:
            for key, value in getattr(rep, "user_properties", ()):
                if key == "mutant_row" and getattr(rep, "when", "") == "call":
                    rows.append(value)
    if not rows:
        return
    tr = terminalreporter
    tr.section("mutants: lecture x mutant")
    tr.write_line(f"{'lecture':<8} {'mutant':<34} {'outcome':<9} rationale")
    for lecture, name, outcome, why in sorted(rows):
        tr.write_line(f"{lecture:<8} {name:<34} {outcome:<9} {why}")
    killed = sum(r[2] == "killed" for r in rows)
    tr.write_line(f"{killed}/{len(rows)} mutants killed")
