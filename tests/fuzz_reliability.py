"""The full bad-input fuzz run of issue 17 (not part of ``make test``: it takes minutes).

    OMP_NUM_THREADS=1 .venv/bin/python -m tests.fuzz_reliability [--out build/fuzz.json] [--only course_lib.sparse]

Every mutation of :mod:`tests.reliability_cases` runs in a forked worker with an address-space limit (so a runaway
allocation fails fast) and a per-call alarm (so a hang is cut); the parent kills a worker that stops answering.
Each call is classified:

* ``ok``       -- refused with ``TypeError``/``ValueError``/``Diverged`` naming the argument;
* ``accepted`` -- an input that may be valid returned finite values;
* ``silent``   -- silent garbage: a must-refuse input returned, or the output holds NaN/inf;
* ``unclear``  -- refused, but the error names no argument or the wrong one (or is another exception type);
* ``hang``     -- still running after the alarm;
* ``runaway``  -- asked the allocator for more than the limit (or grew the resident set by > 2 GiB).

Prints the counts per class and per module, and writes every record to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import select
import signal
import sys
import time
import traceback

ALARM_S = 5
KILL_S = 30
AS_EXTRA = 4 * 2**30


class _Alarm(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _Alarm()


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def classify(spec, mutation, fn_call, diverged_type):
    from tests.reliability_cases import MUST, finite_output, names_argument

    t0 = time.perf_counter()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    signal.alarm(ALARM_S)
    try:
        out = fn_call()
        signal.alarm(0)
        status = "accepted"
        if mutation.expect == MUST:
            status = "silent"
        elif not finite_output(out) and not getattr(spec, "nonfinite_ok", False):
            status = "silent"
        detail = "returned" + ("" if finite_output(out) else " non-finite values")
    except _Alarm:
        status, detail = "hang", f"still running after {ALARM_S} s"
    except (ValueError, TypeError, diverged_type) as err:
        signal.alarm(0)
        status = "ok" if names_argument(err, mutation.arg) else "unclear"
        if "can't allocate" in str(err) or "not enough memory" in str(err):
            status = "runaway"
        detail = f"{type(err).__name__}: {str(err)[:300]}"
    except MemoryError as err:
        signal.alarm(0)
        status, detail = "runaway", f"MemoryError: {str(err)[:200]}"
    except BaseException as err:  # noqa: BLE001 - every failure is a finding
        signal.alarm(0)
        msg = str(err)
        status = "runaway" if ("alloc" in msg or "memory" in msg.lower()) and "RuntimeError" in type(err).__name__ \
            else "unclear"
        detail = f"{type(err).__name__}: {msg[:300]}"
    finally:
        signal.alarm(0)
    seconds = time.perf_counter() - t0
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) * 1024
    if grew > 2 * 2**30 and status != "hang":
        status, detail = "runaway", detail + f" (resident set grew by {grew / 2**30:.1f} GiB)"
    return {"status": status, "detail": detail, "seconds": round(seconds, 3)}


def _worker(target: str, start: int, wfd: int):
    import warnings

    warnings.filterwarnings("ignore")
    signal.signal(signal.SIGALRM, _on_alarm)
    resource.setrlimit(resource.RLIMIT_AS, (_vm_bytes() + AS_EXTRA, resource.RLIM_INFINITY))
    from course_lib.core.validate import Diverged
    from tests.reliability_cases import call_with, mutations, specs

    out = os.fdopen(wfd, "w", buffering=1)
    spec = specs()[target]
    try:
        muts = mutations(spec)
        if start == 0:
            rec = classify(spec, type("M", (), {"arg": "-", "expect": "may"})(), lambda: call_with(spec, None),
                           Diverged)
            out.write(json.dumps({"i": -1, "kind": "baseline", "arg": "-", **rec}) + "\n")
    except BaseException as err:  # noqa: BLE001
        out.write(json.dumps({"i": -1, "kind": "baseline", "arg": "-", "status": "setup-error",
                              "detail": "".join(traceback.format_exception_only(err))[:400]}) + "\n")
        os._exit(0)
    for i in range(start, len(muts)):
        mu = muts[i]
        out.write(json.dumps({"i": i, "start": True}) + "\n")
        rec = classify(spec, mu, lambda mu=mu: call_with(spec, mu), Diverged)
        out.write(json.dumps({"i": i, "kind": mu.kind, "arg": mu.arg, "expect": mu.expect, **rec}) + "\n")
    out.write(json.dumps({"done": True, "n": len(muts)}) + "\n")
    out.flush()
    os._exit(0)


def run_target(target: str) -> list[dict]:
    records, start = [], 0
    while True:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                _worker(target, start, w)
            finally:
                os._exit(1)
        os.close(w)
        buf, pending, done = b"", None, False
        last = time.monotonic()
        with os.fdopen(r, "rb", buffering=0) as f:
            while True:
                ready, _, _ = select.select([f], [], [], 1.0)
                if ready:
                    chunk = f.read(65536)
                    if not chunk:
                        break
                    buf += chunk
                    last = time.monotonic()
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        rec = json.loads(line)
                        if rec.get("done"):
                            done = True
                        elif rec.get("start"):
                            pending = rec["i"]
                        else:
                            pending = None
                            records.append(rec)
                elif time.monotonic() - last > KILL_S:
                    os.kill(pid, signal.SIGKILL)
                    break
        _, status = os.waitpid(pid, 0)
        if done:
            return records
        if pending is None:  # the worker died outside a call
            records.append({"i": start, "kind": "?", "arg": "?", "status": "unclear",
                            "detail": f"worker died (status {status})"})
            return records
        records.append({"i": pending, "kind": "?", "arg": "?", "status": "hang",
                        "detail": f"worker stopped answering (killed after {KILL_S} s)"})
        start = pending + 1


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="build/fuzz_reliability.json")
    ap.add_argument("--only", default=None, help="a module or module:name prefix")
    args = ap.parse_args(argv)
    os.environ.setdefault("COURSE_MAX_BYTES", str(2 * 2**30))
    os.environ.setdefault("COURSE_DEVICE", "cpu")
    import torch  # noqa: F401 - imported once, before forking

    from tests.reliability_cases import MODULES, public_callables, specs

    table = specs()
    missing = [f"{m}:{n}" for m in MODULES for n in public_callables(m) if f"{m}:{n}" not in table]
    for t in table:  # import every topic before forking
        t.split(":")[0]
        __import__(t.split(":")[0])
    results = {}
    for target in table:
        if args.only and not target.startswith(args.only):
            continue
        t0 = time.perf_counter()
        results[target] = run_target(target)
        bad = [r for r in results[target] if r["status"] not in ("ok", "accepted")]
        print(f"{target}: {len(results[target])} calls, {len(bad)} findings, {time.perf_counter() - t0:.1f} s",
              flush=True)
    counts, per_module = {}, {}
    for target, recs in results.items():
        mod = target.split(":")[0]
        for rec in recs:
            if rec.get("kind") == "baseline" and rec["status"] != "setup-error":
                continue
            counts[rec["status"]] = counts.get(rec["status"], 0) + 1
            per_module.setdefault(mod, {}).setdefault(rec["status"], 0)
            per_module[mod][rec["status"]] += 1
    print("\ncounts:", json.dumps(counts, sort_keys=True))
    for mod, c in per_module.items():
        print(f"  {mod}: {json.dumps(c, sort_keys=True)}")
    if missing:
        print("public callables without a spec:", missing)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"counts": counts, "per_module": per_module, "missing": missing, "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
