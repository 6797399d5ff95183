"""Where a compiled kernel branches on data: each conditional jump over a single load.

A kernel that chooses between two values by a flag following no pattern (a need in the
lot's scope, a transport barrier, a significant need, a status) should select, not
branch: in a run a good share of such branches are mispredicted, and a replay of one
call (``profile_kernels.py``'s warm column) hides it, since replaying trains the
processor on that call. Written ``a[i] if c else 0.0``, numba's compiler (LLVM) often
jumps over the load of ``a[i]``; loaded either way (``v = a[i]; v if c else 0.0``) or
read from a two-entry table by the flag, it selects (``kernels.py`` keeps that rule).
On 4 December 2026 this search found such jumps in support and the Recorder, which
lost about a quarter of their time in a run to them (benchmarks/README.md).

What it does: compiles every kernel afresh in a child process (``python -m
hls_sim.warm`` into an empty numba cache: kernels loaded from the cache keep no
assembly), then, kernel by kernel, finds each conditional jump whose target is at most
two instructions on and skips a move from memory, and prints the comparison before
it. A listed jump is a place to look, not a verdict: one taken almost always the same
way (a rare event) costs nothing, and a jump over a store or a call is not listed.

Run:  .venv/bin/python benchmarks/profile_branches.py [--kernels support,record_week]
      [--json PATH]
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import Parser, machine_info, write_json  # noqa: E402  (benchmarks/ is on sys.path)

ROOT = Path(__file__).resolve().parent.parent

# The kernels of the weekly hot path, by their share of a default run (benchmarks/README).
HOT = ("support", "record_week", "closure_week", "crises_week", "need_drift", "access_week",
       "allocation_assign", "staff_week", "allocation_start", "time_budget",
       "allocation_waiting", "providers_week", "money")

CHILD = """
import json, sys
from hls_sim import kernels
from hls_sim.warm import warm
warm()
out = {}
for name in sys.argv[1].split(","):
    f = getattr(kernels, name)
    out[name] = "\\n".join(f.inspect_asm().values())
print("ASM " + json.dumps(out))
"""

_JUMP = re.compile(r"\s*j(?:e|ne|a|ae|b|be|p|np|g|ge|l|le|s|ns)\s+(\.LBB\w+)\s*$")
_LOAD = re.compile(r"\s*v?movs?[dsbwlqzx]*\s+[-\w]*\(%")


def jumps_over_a_load(asm: str) -> list[dict[str, object]]:
    """Each conditional jump whose target is one or two instructions on, skipping a
    move from memory: its line, the comparison before it and what it skips."""
    lines = asm.splitlines()
    found = []
    for k, line in enumerate(lines):
        jump = _JUMP.match(line)
        if not jump:
            continue
        target = jump.group(1) + ":"
        for step in (2, 3):
            if k + step < len(lines) and lines[k + step].strip() == target:
                skipped = [s.strip() for s in lines[k + 1:k + step]]
                # A load from the stack is the compiler's own spill, not the data's.
                if any(_LOAD.match(s) and "(%rsp" not in s for s in skipped):
                    found.append({"line": k + 1, "compare": lines[k - 1].strip(),
                                  "jump": line.strip(), "skipped": skipped})
                break
    return found


def main(argv: list[str] | None = None) -> int:
    parser = Parser(prog="profile_branches.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernels", default=",".join(HOT),
                        help="kernels to look at, by name, comma-separated "
                             "(default: the weekly hot path's)")
    parser.add_argument("--json", type=Path, help="also write the findings as JSON here")
    args = parser.parse_args(argv)
    from hls_sim import kernels

    names = [n.strip() for n in args.kernels.split(",") if n.strip()]
    unknown = [n for n in names if not hasattr(getattr(kernels, n, None), "inspect_asm")]
    if not names or unknown:
        what = (f"{', '.join(unknown)} is not a compiled kernel of hls_sim.kernels" if names
                else "no kernel named")
        parser.error(f"--kernels: {what}; allowed: the names of hls_sim.kernels' compiled "
                     "functions, comma-separated, e.g. " + ",".join(HOT[:3]))
    print("hls_sim: conditional jumps over a load in the compiled kernels")
    print("compiling every kernel into an empty numba cache (a minute or so)...", flush=True)
    with tempfile.TemporaryDirectory(prefix="hls_sim-branches-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "HLS_SIM_JIT": "1"}
        proc = subprocess.run([sys.executable, "-c", CHILD, ",".join(names)], env=env,
                              capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return 1
    asm = json.loads(next(line[4:] for line in proc.stdout.splitlines()
                          if line.startswith("ASM ")))
    findings = {name: jumps_over_a_load(asm[name]) for name in names}
    print(f"\n{'kernel':24s} {'lines':>7s} {'jumps over a load':>18s}")
    print("-" * 51)
    for name in names:
        print(f"{name:24s} {len(asm[name].splitlines()):7,d} {len(findings[name]):18d}")
    for name in names:
        for f in findings[name]:
            print(f"  {name} line {f['line']}: {f['compare']} ; {f['jump']} over "
                  f"{' ; '.join(f['skipped'])}")
    print("\nA listed jump is a place to look: find the choice in kernels.py that it comes "
          "from, and if its flag follows no pattern, load the value either way (or read it "
          "from a two-entry table) and replay before and after (profile_kernels.py).")
    if args.json:
        write_json(args.json, {"machine": machine_info(), "kernels": {
            name: {"lines": len(asm[name].splitlines()), "jumps_over_a_load": findings[name]}
            for name in names}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
