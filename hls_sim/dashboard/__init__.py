"""An interactive dashboard for trainers: twin worlds, side by side.

Two places built from the same seed (the same people, needs and life shocks), one
commissioned competitively and one collaboratively, step together in a Mesa SolaraViz
page: charts of both worlds, a network view of each, an event ticker and one person's
journey. Start it with ``hls-sim dashboard`` or::

    from hls_sim.dashboard import serve
    serve(port=8765)          # blocks until Ctrl-C

Modules: :mod:`.twin` (the TwinWorlds model), :mod:`.charts`, :mod:`.network`,
:mod:`.ticker`, :mod:`.controls` (levers and place settings), :mod:`.app` (the page) and
:mod:`.assets` (the page's JavaScript, cached for use without internet).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

__all__ = ["serve", "server_command"]

APP = "hls_sim.dashboard.app"


def server_command(host: str = "127.0.0.1", port: int = 8765,
                   open_browser: bool = False) -> list[str]:
    """The command that runs the dashboard's Solara server."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
            "--production", "--open" if open_browser else "--no-open",
            "--log-level", "warning"]


def server_env() -> dict[str, str]:
    """The server's environment: no usage telemetry (it would call out to the internet),
    no lint of Mesa's own components, no cookie warning on every page load."""
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    env.setdefault("SOLARA_CHECK_HOOKS", "off")  # Mesa's SolaraViz trips Solara's hook lint
    # Solara warns at every page load over http://127.0.0.1 that its session cookie falls
    # back to SameSite=Lax, which is what a local dashboard wants: keep the terminal quiet.
    env.setdefault("PYTHONWARNINGS", "ignore::UserWarning:solara.server.starlette")
    return env


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False) -> int:
    """Serve the dashboard at ``http://host:port/`` until interrupted (Ctrl-C).

    Fetches the page's JavaScript into Solara's asset cache first if needed (see
    :mod:`hls_sim.dashboard.assets`), then runs ``solara run hls_sim.dashboard.app`` in
    a child process. Returns the server's exit code, or 0 when stopped with Ctrl-C.
    """
    from .assets import ensure_assets

    ensure_assets()
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    print(f"hls-sim dashboard: serving on http://{shown}:{port}/ (press Ctrl-C to stop)",
          file=sys.stderr)
    proc = subprocess.Popen(server_command(host, port, open_browser), env=server_env(),
                            preexec_fn=_die_with_parent if sys.platform.startswith("linux")
                            else None)

    def stop(signum, frame):  # a polite kill stops the server too, as Ctrl-C does
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _die_with_parent() -> None:
    """In the server's process, before it starts: ask Linux to stop it (SIGTERM) when
    this command dies, however it dies (a ``kill -9`` of ``hls-sim dashboard`` would
    otherwise leave the server holding the port)."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
