"""Profile one default-size run and five quick.yaml runs; print the top entries.

cProfile, timed in CPU seconds of this process (``time.process_time``), so that other
jobs on a shared machine inflate the figures less than wall time would; the entries are
sorted by internal time (time in the function itself, not in what it calls) and shown
with their share of the profiled total. Compiled kernels appear as single entries
(``kernels.py:...``): the profiler sees the call, not the loop inside.

Run it against another checkout to profile older code:
``PYTHONPATH=/path/to/checkout .venv/bin/python benchmarks/profile_model.py``.

Run:  .venv/bin/python benchmarks/profile_model.py [--top 15] [--plain]
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path

from _common import Parser  # noqa: E402  (benchmarks/ is on sys.path)

import hls_sim

QUICK = Path(hls_sim.__file__).resolve().parent.parent / "scenarios" / "quick.yaml"


def profile(fn) -> pstats.Stats:
    pr = cProfile.Profile(time.process_time)
    pr.enable()
    fn()
    pr.disable()
    return pstats.Stats(pr)


def table(stats: pstats.Stats, top: int) -> list[str]:
    rows = []
    total = stats.total_tt
    for (filename, line, name), (_cc, nc, tt, ct, _callers) in stats.stats.items():
        rows.append((tt, ct, nc, f"{Path(filename).name}:{line}({name})"
                     if filename != "~" else name))
    rows.sort(reverse=True)
    out = [f"profiled total {total:.2f} CPU s", "",
           "| function | calls | own s | own share | with callees s |", "|---|---|---|---|---|"]
    for tt, ct, nc, label in rows[:top]:
        out.append(f"| `{label}` | {nc:,} | {tt:.3f} | {tt / total:.1%} | {ct:.3f} |")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--plain", action="store_true",
                    help="profile the plain numpy path (HLS_SIM_JIT=0) of code with kernels")
    args = ap.parse_args(argv)
    from hls_sim import scenarios
    from hls_sim.params import make_params

    try:
        from hls_sim import jit

        if Path(jit.__file__).resolve().parent != Path(hls_sim.__file__).resolve().parent:
            raise ImportError("another checkout's module")  # older code timed as it is
        jit.set_enabled(not args.plain and jit.AVAILABLE)
        path = "compiled" if jit.enabled() else "plain numpy"
    except ImportError:
        path = "as is (no kernels)"
    quick = make_params(scenarios.load(QUICK).content)
    hls_sim.run("competitive", seed=0, place__n_people=300, place__n_weeks=20)  # warm-up
    hls_sim.run(quick, seed=99)
    print(f"code: {Path(hls_sim.__file__).resolve().parent} ({path})\n")
    print("### One default run (competitive, seed 0)\n")
    print("\n".join(table(profile(lambda: hls_sim.run("competitive", seed=0)), args.top)))
    print("\n### Five quick.yaml runs (seeds 0-4)\n")
    print("\n".join(table(profile(lambda: [hls_sim.run(quick, seed=s) for s in range(5)]),
                          args.top)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
