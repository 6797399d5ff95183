"""Cold start of the compiled kernels: compiling once per machine, loading per process.

What is measured (each step in a fresh process, so nothing is shared but the disk):

1. compile: ``python -m hls_sim.warm`` (what ``make`` runs) with an empty numba cache folder
   (``NUMBA_CACHE_DIR``): every kernel is compiled and written to the cache. This is
   what ``make`` (or a machine's first run) pays once.
2. load: the same command again with that cache: every kernel is loaded from disk.
   This is what every new process pays once (a worker of a process pool, forkserver or
   Dask cluster), and the check that it compiles nothing: the kernels' numba
   statistics must show cache hits and no misses.
3. first run in a fresh process: importing hls_sim and one ``quick.yaml`` run (kernels
   loaded from the cache on the way), against a second run in the same process.

The machine is shared and noisy; medians of ``--repeats`` repetitions.

Run:  .venv/bin/python benchmarks/bench_coldstart.py [--repeats 3] [--json PATH]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import Parser, machine_info, write_json  # noqa: E402  (benchmarks/ is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
QUICK = ROOT / "scenarios" / "quick.yaml"

CHECK = """
import json, time
t = time.perf_counter()
from hls_sim import kernels
from hls_sim.warm import warm
seconds = warm()
hits = misses = 0
for name in dir(kernels):
    f = getattr(kernels, name)
    if hasattr(f, "stats"):
        hits += sum(f.stats.cache_hits.values())
        misses += sum(f.stats.cache_misses.values())
print("RESULT " + json.dumps({"warm_seconds": seconds, "process_seconds":
      time.perf_counter() - t, "cache_hits": hits, "cache_misses": misses}))
"""

FIRST_RUN = f"""
import json, time
t0 = time.perf_counter()
import hls_sim
from hls_sim import scenarios
from hls_sim.params import make_params
p = make_params(scenarios.load({str(QUICK)!r}).content)
t1 = time.perf_counter()
hls_sim.run(p, seed=0)
t2 = time.perf_counter()
hls_sim.run(p, seed=1)
t3 = time.perf_counter()
print("RESULT " + json.dumps({{"import_seconds": t1 - t0, "first_run_seconds": t2 - t1,
                              "second_run_seconds": t3 - t2}}))
"""


def child(code: str, env: dict[str, str]) -> dict[str, float]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"child failed with exit code {proc.returncode}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return {**json.loads(line[7:]), "wall_seconds": wall}


def main(argv: list[str] | None = None) -> int:
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error(f"--repeats must be at least 1, got {args.repeats}")
    info = machine_info()
    print(f"machine: {info['processor']}, {info['cpus_usable']} usable CPUs, python "
          f"{info['python']}; load average {os.getloadavg()[0]:.2f}")
    rows: dict[str, list[dict[str, float]]] = {"compile": [], "load": [], "first_run": []}
    for rep in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="hls-numba-cache-") as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache, "HLS_SIM_JIT": "1"}
            rows["compile"].append(child(CHECK, env))
            rows["load"].append(child(CHECK, env))
            rows["first_run"].append(child(FIRST_RUN, env))
        print(f"[{rep + 1}/{args.repeats}] compile {rows['compile'][-1]['wall_seconds']:.1f} s, "
              f"load {rows['load'][-1]['wall_seconds']:.1f} s (misses "
              f"{rows['load'][-1]['cache_misses']}), first quick run "
              f"{rows['first_run'][-1]['first_run_seconds']:.2f} s, second "
              f"{rows['first_run'][-1]['second_run_seconds']:.2f} s", flush=True)
    med = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in rows.items()}
    print()
    print(f"compile every kernel (empty cache, whole process): {med['compile']['wall_seconds']:.1f} s "
          f"(of which the warm-up models {med['compile']['warm_seconds']:.1f} s)")
    print(f"load every kernel from the cache (new process):    {med['load']['wall_seconds']:.1f} s "
          f"(warm-up models {med['load']['warm_seconds']:.1f} s); cache misses "
          f"{int(med['load']['cache_misses'])} (0: nothing compiled again)")
    print(f"fresh process: import {med['first_run']['import_seconds']:.2f} s, first quick run "
          f"{med['first_run']['first_run_seconds']:.2f} s (kernels loaded), second "
          f"{med['first_run']['second_run_seconds']:.2f} s")
    if args.json:
        write_json(args.json, {"benchmark": "bench_coldstart", "machine": info,
                               "repeats": rows, "medians": med})
    return 0


if __name__ == "__main__":
    sys.exit(main())
