"""Benchmark the dashboard: one step of both worlds with every chart and view redrawn.

What is measured
----------------
The dashboard at its default size (a place a room can follow: 800 people over five
years, 12 organisations, 40 practitioner posts; ``hls_sim.dashboard.controls``),
twin worlds (competitive and collaborative) from the same seed.

* Server side: the page's main area (``hls_sim.dashboard.app.Dashboard``: key figures
  and value added over no service, twelve charts of both worlds, the providers' practice
  chart and two lot maps, two network views, two tickers, the followed person) is
  rendered in-process with Solara, as the server renders it. One timed step is what
  SolaraViz's Step button does: ``TwinWorlds.step()`` (both worlds, the unseen
  no-service world, their tickers, lot trackers and the followed person), then Mesa's
  ``force_update()``, which redraws every view and sends
  every changed widget's state. The widgets' messages are serialised to JSON, as the
  server does before sending them, so that cost is in the time; their size is
  reported. Each repeat builds a fresh twin (seed = repeat number), runs it to
  ``--start-week`` (so the charts carry a realistic amount of history), draws the page
  once, then times ``--steps`` steps; the figure is the median of the repeats' medians.
* Browser (if /usr/bin/chromium exists, unless ``--no-browser``): the dashboard is
  served by ``hls_sim.dashboard.serve`` and driven by Playwright in headless Chromium.
  One timed step runs from a click on Step (in the page, no Playwright overhead) until
  the last view of the page has the new week and two animation frames have passed, so
  the charts are drawn on screen. The page first jumps to ``--start-week`` with Mesa's
  render-interval slider.

* The money panel (each world's economic case against no service) is worked out once a
  quarter, not at every step, so a median step does not show it: its own time (the
  appraisal of both worlds over the weeks run, median of five) is printed, with the
  mean step time, which carries its share (the timed steps include a quarter's end).
* Yardstick: after each repeat, the Mesa Boltzmann wealth model of ``bench_model.py``
  (10,000 agents) runs for about half a second in the same process; the ratio printed is
  one dashboard step in Boltzmann steps, which moves less with the machine's load than
  milliseconds do.

Target: at most 250 ms per step (issue 5). Medians, because the machine is shared and
noisy: noise only adds time.

Run:  .venv/bin/python benchmarks/bench_dashboard.py [--repeats N] [--steps N]
      [--start-week W] [--no-browser] [--json PATH]
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("SOLARA_CHECK_HOOKS", "off")  # before solara is imported

from _common import Parser, machine_info, write_json  # noqa: E402  (benchmarks/ is on sys.path)

TARGET_MS = 250.0
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]


# --- server side ------------------------------------------------------------------------


class _Sent:
    bytes = 0
    messages = 0


def _count_widget_messages() -> None:
    """Serialise every widget message to JSON, as the Solara server does, and count it."""
    import comm

    class CountingComm(comm.DummyComm):
        def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
            _Sent.bytes += len(json.dumps(data, default=str))
            _Sent.messages += 1

    comm.create_comm = lambda *a, **k: CountingComm(*a, **k)


def server_side(repeats: int, steps: int, start_week: int) -> dict:
    import solara
    from bench_model import BOLTZMANN_AGENTS, calibrate_boltzmann_steps, time_boltzmann
    from mesa.visualization.utils import force_update

    from hls_sim.dashboard import app, money
    from hls_sim.dashboard.controls import place_defaults, place_overrides
    from hls_sim.dashboard.twin import TwinWorlds

    _count_widget_messages()
    place = place_overrides(place_defaults())
    b_steps = calibrate_boltzmann_steps(BOLTZMANN_AGENTS, 0.5)
    runs = []
    for r in range(repeats):
        twin = TwinWorlds(seed=r, place=place)
        for _ in range(start_week):
            twin.step()
        box, rc = solara.render(app.Dashboard(solara.reactive(twin)), handle_error=False)
        step_ms, draw_ms, total_ms, sent = [], [], [], []
        try:
            for _ in range(steps):
                b0 = _Sent.bytes
                t0 = time.perf_counter()
                twin.step()
                t1 = time.perf_counter()
                force_update()
                t2 = time.perf_counter()
                step_ms.append((t1 - t0) * 1000)
                draw_ms.append((t2 - t1) * 1000)
                total_ms.append((t2 - t0) * 1000)
                sent.append(_Sent.bytes - b0)
        finally:
            rc.close()
        appraisal_ms = []
        commissions = [twin.commissions(i) for i in range(2)]
        for _ in range(5):
            t0 = time.perf_counter()
            money.appraise(twin.worlds, twin.counterfactual, twin.week, commissions)
            appraisal_ms.append((time.perf_counter() - t0) * 1000)
        boltzmann_ms = time_boltzmann(BOLTZMANN_AGENTS, b_steps, seed=r) * 1000 / b_steps
        runs.append({
            "seed": r, "weeks": [start_week + 1, start_week + steps],
            "median_ms": statistics.median(total_ms), "mean_ms": statistics.fmean(total_ms),
            "min_ms": min(total_ms),
            "max_ms": max(total_ms), "median_model_step_ms": statistics.median(step_ms),
            "median_redraw_ms": statistics.median(draw_ms),
            "median_bytes_sent": statistics.median(sent),
            "money_panel_ms": statistics.median(appraisal_ms),
            "boltzmann_step_ms": boltzmann_ms,
        })
        print(f"  server repeat {r}: median {runs[-1]['median_ms']:.1f} ms per step "
              f"(mean {runs[-1]['mean_ms']:.1f}; model {runs[-1]['median_model_step_ms']:.1f} "
              f"ms, redraw {runs[-1]['median_redraw_ms']:.1f} ms, "
              f"{runs[-1]['median_bytes_sent'] / 1e3:.0f} kB sent), weeks "
              f"{start_week + 1}-{start_week + steps}; money panel "
              f"{runs[-1]['money_panel_ms']:.1f} ms a quarter; Boltzmann step "
              f"{boltzmann_ms:.1f} ms", flush=True)
    median_ms = statistics.median(r["median_ms"] for r in runs)
    boltzmann_ms = statistics.median(r["boltzmann_step_ms"] for r in runs)
    return {
        "runs": runs,
        "median_ms": median_ms,
        "mean_ms": statistics.median(r["mean_ms"] for r in runs),
        "min_ms": min(r["min_ms"] for r in runs),
        "median_model_step_ms": statistics.median(r["median_model_step_ms"] for r in runs),
        "median_redraw_ms": statistics.median(r["median_redraw_ms"] for r in runs),
        "median_bytes_sent": statistics.median(r["median_bytes_sent"] for r in runs),
        "money_panel_ms": statistics.median(r["money_panel_ms"] for r in runs),
        "money_panel_every_weeks": money.APPRAISAL_EVERY,
        "boltzmann_agents": BOLTZMANN_AGENTS,
        "boltzmann_step_ms": boltzmann_ms,
        "ratio_to_boltzmann_step": median_ms / boltzmann_ms,
    }


# --- browser ---------------------------------------------------------------------------------

STEP_JS = """async (target) => {
  const btn = [...document.querySelectorAll('button')]
      .find(b => b.textContent.trim().toUpperCase() === 'STEP');
  const drawn = () => {
    const el = document.querySelector('.hls-drawn');
    return el && el.dataset.week === String(target);
  };
  const t0 = performance.now();
  const done = new Promise((resolve, reject) => {
    const obs = new MutationObserver(() => { if (drawn()) { obs.disconnect(); resolve(); } });
    obs.observe(document.body, {subtree: true, childList: true, attributes: true});
    setTimeout(() => { obs.disconnect(); reject(new Error('week ' + target + ' not drawn')); },
               120000);
  });
  btn.click();
  await done;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser(repeats: int, steps: int, start_week: int) -> dict:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    code = f"from hls_sim.dashboard import serve; serve(host='127.0.0.1', port={port})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the dashboard server did not start") from None
                time.sleep(0.5)
        runs = []
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            for r in range(repeats):
                page = b.new_page(viewport={"width": 1600, "height": 1000})
                page.goto(url)
                page.wait_for_selector(".hls-chart-spend canvas", state="attached",
                                       timeout=120_000)
                week = 0
                if start_week > 0:  # Mesa's render interval: one Step runs many weeks
                    slider = page.locator(".v-input", has_text="Render Interval") \
                        .locator("[role=slider]")
                    slider.focus()
                    slider.press("Home")
                    for _ in range((start_week - 1) // 2):
                        slider.press("ArrowRight")
                    page.wait_for_timeout(500)
                    week = int(float(slider.get_attribute("aria-valuenow")))
                    page.evaluate(STEP_JS, week)
                    slider.focus()
                    slider.press("Home")
                    page.wait_for_timeout(500)
                times = []
                for _ in range(steps):
                    week += 1
                    times.append(page.evaluate(STEP_JS, week))
                page.close()
                runs.append({"repeat": r, "weeks": [week - steps + 1, week],
                             "median_ms": statistics.median(times), "min_ms": min(times),
                             "max_ms": max(times)})
                print(f"  browser repeat {r}: median {runs[-1]['median_ms']:.1f} ms per step, "
                      f"weeks {week - steps + 1}-{week}", flush=True)
            version = b.version
            b.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {
        "runs": runs,
        "median_ms": statistics.median(r["median_ms"] for r in runs),
        "min_ms": min(r["min_ms"] for r in runs),
        "viewport": [1600, 1000],
        "browser_version": version,  # the figure depends on it: said with it
    }


def main(argv: list[str] | None = None) -> int:
    parser = Parser(description="Time one dashboard step of both worlds "
                                     "with every chart and view redrawn.")
    parser.add_argument("--repeats", type=int, default=5, help="repeats (default 5)")
    parser.add_argument("--steps", type=int, default=None,
                        help="timed steps per repeat (default 20; 3 at HLS_SIM_SIZE=small)")
    parser.add_argument("--start-week", type=int, default=None,
                        help="week the timed steps start from (default 100; 10 at "
                        "HLS_SIM_SIZE=small)")
    parser.add_argument("--no-browser", action="store_true",
                        help="server side only (the browser part needs /usr/bin/chromium)")
    parser.add_argument("--json", type=Path, metavar="PATH",
                        help="also write all figures to this JSON file")
    args = parser.parse_args(argv)
    from hls_sim import sizes

    small = sizes.small()  # trying the command (the documented-commands test): a glimpse
    if args.steps is None:
        args.steps = 3 if small else 20
    if args.start_week is None:
        args.start_week = 10 if small else 100
    if args.repeats < 1 or args.steps < 1 or args.start_week < 0:
        parser.error("--repeats and --steps must be at least 1, --start-week at least 0")
    from hls_sim.dashboard.controls import DASHBOARD_PLACE

    if args.start_week + args.steps > DASHBOARD_PLACE["place.n_weeks"]:
        parser.error(f"--start-week + --steps must be at most {DASHBOARD_PLACE['place.n_weeks']}")
    info = machine_info()
    print("hls_sim dashboard benchmark: one step of both worlds, every chart and view redrawn")
    print(f"place: {DASHBOARD_PLACE}")
    print(f"machine: Python {info['python']}, mesa {info['mesa']}, CPUs {info['cpu_count']} "
          f"({info['cpus_usable']} usable), {info['platform']}")
    print(f"{args.repeats} repeats of {args.steps} steps from week {args.start_week}")
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} (1 min), {load[1]:.2f} (5 min) on "
          f"{info['cpu_count']} CPUs")
    result: dict = {"machine": info, "place": DASHBOARD_PLACE, "target_ms": TARGET_MS,
                    "repeats": args.repeats, "steps": args.steps,
                    "start_week": args.start_week, "load_average_before": load}
    result["server"] = server_side(args.repeats, args.steps, args.start_week)
    s = result["server"]
    print(f"server side: median {s['median_ms']:.1f} ms per step (min {s['min_ms']:.1f}; "
          f"model {s['median_model_step_ms']:.1f} ms, redraw {s['median_redraw_ms']:.1f} ms; "
          f"{s['median_bytes_sent'] / 1e3:.0f} kB of widget state a step); mean "
          f"{s['mean_ms']:.1f} ms; target "
          f"{TARGET_MS:.0f} ms: {'met' if s['median_ms'] <= TARGET_MS else 'NOT met'}")
    print(f"money panel: {s['money_panel_ms']:.1f} ms to appraise both worlds, once every "
          f"{s['money_panel_every_weeks']} weeks (about "
          f"{s['money_panel_ms'] / s['money_panel_every_weeks']:.1f} ms a step on average)")
    print(f"yardstick: Mesa Boltzmann wealth model, {s['boltzmann_agents']:,} agents, "
          f"{s['boltzmann_step_ms']:.1f} ms a step (median); one dashboard step = "
          f"{s['ratio_to_boltzmann_step']:.1f} Boltzmann steps")
    if not args.no_browser and Path(CHROMIUM).exists():
        result["browser"] = browser(args.repeats, args.steps, args.start_week)
        bw = result["browser"]
        print(f"browser (headless Chromium {bw['browser_version']}, click to charts on "
              f"screen): median "
              f"{bw['median_ms']:.1f} ms per step (min {bw['min_ms']:.1f}); target "
              f"{TARGET_MS:.0f} ms: {'met' if bw['median_ms'] <= TARGET_MS else 'NOT met'}")
    elif not args.no_browser:
        print(f"browser: skipped ({CHROMIUM} is missing)")
    result["load_average_after"] = os.getloadavg()
    print(f"load average after: {result['load_average_after'][0]:.2f} (1 min)")
    if args.json:
        write_json(args.json, result)
    worst = max(result[k]["median_ms"] for k in ("server", "browser") if k in result)
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
