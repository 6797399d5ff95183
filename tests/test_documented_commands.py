"""Every command the README and the guides show runs, through the installed entry point.

The commands are read from the documents themselves, so a command added to the README
(or to ``docs/*.md``, or to a ``--help`` example in ``hls_sim.cli.EXAMPLES``) is run
without this file being edited:

* fenced blocks marked ``sh`` (or ``bash``, ``shell``, ``console``) are run line by line
  in one shell working folder per chain (a copy of ``scenarios/`` and ``experiments/``;
  a chain is one document, or one command's ``--help``), in the order the documents
  give them, so a ``--resume`` or a ``report`` finds the folder an earlier command made; blocks marked ``python`` are run
  as a script there; ``text`` blocks (synopses, output) and unmarked blocks are not run;
* a ``yaml`` block whose first line is a comment naming a file (``# my_place.yaml: ...``)
  is written to that file first, so the commands that use it find it.

How a command is made small, keeping its text otherwise as written:

* ``HLS_SIM_SIZE=small`` is set (a documented feature, :mod:`hls_sim.sizes`): every
  scenario runs in a small place and every design with its smallest sample;
* a command that runs replicates (``run``, ``compare``, ``demo``) runs 2
  (``--replicates 2`` replaces any ``-n``/``--replicates``, or is added); a benchmark's
  ``--repeats`` is 1;
* a results folder named with a placeholder time stamp (``results/quick-20261121-101500``)
  is the newest folder of that name an earlier command of the same chain made (a chain
  is one document, or one command's ``--help``: chains run in parallel, each in a
  working folder of its own, so each must make the folders it reads); before a ``--resume DIR``
  the folder's last finished run is deleted, so the resume has something to do;
* a Dask scheduler address other than ``local`` (``tcp://10.0.0.5:8786``) is replaced by
  a real ``dask scheduler`` with two ``dask worker`` processes started on 127.0.0.1;
* ``hls-sim dashboard`` is started on a free port (``--port`` replaced or added), is
  fetched until it serves the page, then stopped with Ctrl-C (SIGINT): it must stop by
  itself, with status 0 and no traceback;
* ``make test`` is what runs this file, so it is not run again; any other ``make`` target
  is checked with ``make -n`` (what it would run): ``make demo`` runs ``hls-sim demo``,
  which is run here as its own documented command.

A command shown in several places runs once (where it is first shown). The working folder
links `.venv` and `benchmarks/`, so commands written for the repository root run too.

A command fails the test if it exits non-zero or prints a Python traceback. A benchmark
(``benchmarks/*.py``) may exit 1 when it says its target was NOT met: that is a
measurement on a shared machine, not a failure of the command.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hls_sim.cli import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = {"sh", "bash", "shell", "console"}
STAMP = re.compile(r"results/([A-Za-z0-9_.-]+?)-\d{8}-\d{6}")
REPLICATED = {"run", "compare", "demo"}
TIMEOUT = 600


@dataclass
class Command:
    where: str
    kind: str  # "sh" or "python"
    text: str
    also: list[str] = field(default_factory=list)  # the same command shown elsewhere

    def __str__(self) -> str:
        return f"{self.where}: {self.text.splitlines()[0][:70]}"

    @property
    def chain(self) -> str:
        """The commands that must run in order, in one working folder: those of one
        document, or of one command's ``--help`` (``report``'s examples read what
        ``compare``'s made). Each chain is self-contained, so chains can run on
        different test workers (each chain is a test class, and ``make test`` runs
        pytest-xdist with ``--dist loadscope``: a class or a file per worker)."""
        where = self.where.split(":")[0]
        return "hls-sim compare --help" if where == "hls-sim report --help" else where


def fenced_blocks(path: Path):
    """(info string, first line number, text) of every fenced block of a Markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(```+)\s*([\w+-]*)", lines[i])
        if m:
            fence, info, start = m.group(2), m.group(3).lower(), i + 1
            body = []
            i += 1
            while i < len(lines) and not lines[i].lstrip().startswith(fence):
                body.append(lines[i])
                i += 1
            yield info, start + 1, textwrap.dedent("\n".join(body))
        i += 1


def shell_lines(text: str):
    """Commands of a shell block: continuation lines joined, comments dropped."""
    joined = text.replace("\\\n", " ")
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            yield shlex.join(words) if "*" not in line else _strip_comment(line)


def _strip_comment(line: str) -> str:
    """A line with a glob, comment removed but the glob left for the shell."""
    return line.split(" #", 1)[0].strip()


def documented() -> tuple[list[Command], dict[str, str]]:
    """Every command, in order, and the files the documents write out."""
    commands: list[Command] = []
    files: dict[str, str] = {}
    for doc in DOCUMENTS:
        rel = doc.relative_to(ROOT)
        for info, line, text in fenced_blocks(doc):
            if info in SHELL:
                commands += [Command(f"{rel}:{line}", "sh", c) for c in shell_lines(text)]
            elif info == "python":
                commands.append(Command(f"{rel}:{line}", "python", text))
            elif info in ("yaml", "yml"):
                m = re.match(r"#\s*([\w.-]+\.ya?ml)\s*:", text)
                if m:
                    files[m.group(1)] = text
    for name, block in EXAMPLES.items():
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("hls-sim"):
                commands.append(Command(f"hls-sim {name} --help", "sh", _strip_comment(line)))
    # A command shown in several places runs once, where it is first shown.
    first: dict[tuple[str, str], Command] = {}
    for c in commands:
        if (c.kind, c.text) in first:
            first[(c.kind, c.text)].also.append(c.where)
        else:
            first[(c.kind, c.text)] = c
    return list(first.values()), files


COMMANDS, FILES = documented()


class Cluster:
    """A real Dask scheduler with two workers on 127.0.0.1, started when a command first
    names a scheduler address, shared by every chain on this test worker."""

    def __init__(self, root: Path):
        self.root = root
        self.procs: list[subprocess.Popen] = []
        self.address: str | None = None

    def start(self) -> str:
        if self.address is None:
            self.root.mkdir(parents=True, exist_ok=True)
            file = self.root / "scheduler.json"
            self.procs.append(subprocess.Popen(
                [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                 "--no-dashboard", "--scheduler-file", str(file)], cwd=self.root,
                start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            deadline = time.monotonic() + 60
            while not file.is_file() and time.monotonic() < deadline:
                time.sleep(0.2)
            self.address = json.loads(file.read_text())["address"]
            self.procs.append(subprocess.Popen(
                [str(BIN / "dask"), "worker", self.address, "--nworkers", "2", "--nthreads",
                 "1", "--no-dashboard", "--host", "127.0.0.1"], cwd=self.root,
                start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            from distributed import Client

            with Client(self.address, timeout="30s") as client:
                client.wait_for_workers(2, timeout=120)
        return self.address

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


class Workplace:
    """One chain's working folder and its environment."""

    def __init__(self, root: Path, cluster: Cluster):
        self.root = root
        root.mkdir(parents=True)
        shutil.copytree(ROOT / "scenarios", root / "scenarios")
        shutil.copytree(ROOT / "experiments", root / "experiments")
        # Commands written for the repository's root (.venv/bin/python benchmarks/...)
        (root / ".venv").symlink_to(BIN.parent)
        (root / "benchmarks").symlink_to(ROOT / "benchmarks")
        for name, text in FILES.items():
            (root / name).write_text(text + "\n")
        self.env = {**os.environ, "HLS_SIM_SIZE": "small",
                    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                    "MPLBACKEND": "Agg"}
        self.cluster = cluster

    def dask_address(self) -> str:
        return self.cluster.start()


@pytest.fixture(scope="module")
def workplaces(tmp_path_factory):
    """A working folder per chain, made when the chain's first command runs."""
    base = tmp_path_factory.mktemp("documented")
    cluster = Cluster(base / "dask")
    places: dict[str, Workplace] = {}

    def place(chain: str) -> Workplace:
        if chain not in places:
            places[chain] = Workplace(base / re.sub(r"[^\w.-]+", "_", chain), cluster)
        return places[chain]

    yield place
    cluster.close()


def results_folder(place: Workplace, match: re.Match) -> str:
    """The newest results folder an earlier command made with this name."""
    found = sorted((place.root / "results").glob(f"{match.group(1)}-*"),
                   key=lambda p: p.stat().st_mtime)
    found = [p for p in found if (p / "manifest.json").is_file()]
    assert found, f"no earlier command made a results folder like {match.group(0)}"
    return str(found[-1].relative_to(place.root))


def interrupt(folder: Path) -> None:
    """Make a finished results folder look interrupted: forget its last batch of runs
    (its record, and its tables, which are named as the record is)."""
    runs = sorted((folder / "runs").glob("*.json"))
    assert runs, f"{folder} has no finished runs to resume"
    batch = runs[-1].stem
    runs[-1].unlink()
    for table in folder.glob(f"*/{batch}.parquet"):
        table.unlink()


def small(place: Workplace, text: str) -> tuple[list[str] | str, str]:
    """The command as it is run here, and how it is run ('shell', 'dashboard', 'make',
    'skip')."""
    text = STAMP.sub(lambda m: results_folder(place, m), text)
    if "*" in text:  # a glob for the shell to expand
        return text, "shell"
    words = shlex.split(text)
    if words[:3] == ["python", "-m", "hls_sim"]:
        words = ["hls-sim", *words[3:]]
    if words[0] == "make":
        return (["skip"] if words[1:] == ["test"] else ["make", "-n", *words[1:]]), "make"
    if words[0] == "hls-sim" and len(words) > 1:
        sub = words[1]
        if sub in REPLICATED and "--resume" not in words:
            words = _set(words, ("-n", "--replicates"), "2")
        if "--dask" in words:
            k = words.index("--dask") + 1
            if words[k] != "local":
                words[k] = place.dask_address()
        if "--resume" in words:
            interrupt(place.root / words[words.index("--resume") + 1])
        if sub == "dashboard":
            return _set(words, ("--port",), str(free_port())), "dashboard"
    if any(w.startswith("benchmarks/") for w in words) and "--repeats" in words:
        words = _set(words, ("--repeats",), "1")
    return words, "shell"


def _set(words: list[str], flags: tuple[str, ...], value: str) -> list[str]:
    for flag in flags:
        if flag in words:
            k = words.index(flag)
            return [*words[:k + 1], value, *words[k + 2:]]
    return [*words, flags[-1], value]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ctrl_c_as_in_a_terminal() -> None:
    """In the dashboard's process: Ctrl-C (SIGINT) acts as at a terminal, even when the
    test suite itself was started where SIGINT is ignored (a background job of a script),
    which the child would otherwise inherit and so never stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_dashboard(place: Workplace, words: list[str]) -> None:
    port = words[words.index("--port") + 1]
    log = place.root / f"dashboard-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(words, cwd=place.root, env=place.env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_ctrl_c_as_in_a_terminal)
        try:
            deadline = time.monotonic() + 180
            served = False
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                        served = r.status == 200 and b"<html" in r.read().lower()
                        break
                except OSError:
                    time.sleep(0.5)
            assert served, f"the dashboard never served a page:\n{log.read_text()}"
            proc.send_signal(signal.SIGINT)  # Ctrl-C
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    text = log.read_text()
    assert code == 0 and "Traceback" not in text, text
    with socket.socket() as s:  # nothing is left serving
        assert s.connect_ex(("127.0.0.1", int(port))) != 0


def check_command(place: Workplace, command: Command) -> None:
    if command.kind == "python":
        code = STAMP.sub(lambda m: results_folder(place, m), command.text)
        proc = subprocess.run([sys.executable, "-c", code], cwd=place.root, env=place.env,
                              capture_output=True, text=True, timeout=TIMEOUT)
    else:
        words, how = small(place, command.text)
        if words == ["skip"]:
            pytest.skip("`make test` is the command running this test")
        if how == "dashboard":
            run_dashboard(place, words)
            return
        if how == "make":
            proc = subprocess.run(words, cwd=ROOT, env=place.env, capture_output=True,
                                  text=True, timeout=60)
            assert proc.returncode == 0, proc.stderr
            if words[2:] == ["demo"]:
                assert "hls_sim demo" in proc.stdout
            return
        shell = isinstance(words, str)
        proc = subprocess.run(words, shell=shell, cwd=place.root, env=place.env,
                              capture_output=True, text=True, timeout=TIMEOUT,
                              executable="/bin/bash" if shell else None)
    out = proc.stdout + proc.stderr
    benchmark_missed = "benchmarks/" in command.text and proc.returncode == 1 and \
        "NOT met" in proc.stdout
    assert proc.returncode == 0 or benchmark_missed, \
        f"exit {proc.returncode}:\n{out[-4000:]}"
    assert "Traceback (most recent call last)" not in out, out[-4000:]


CHAINS: dict[str, list[Command]] = {}
for _command in COMMANDS:
    CHAINS.setdefault(_command.chain, []).append(_command)


def _chain_tests(chain: str, commands: list[Command]) -> type:
    """A test class for one chain: its commands in the documents' order."""

    class Chain:
        @pytest.mark.parametrize("command", commands, ids=str)
        def test_documented_command_runs(self, workplaces, command):
            check_command(workplaces(chain), command)

    Chain.__name__ = Chain.__qualname__ = "TestCommands_" + re.sub(r"\W+", "_", chain).strip("_")
    Chain.__doc__ = f"The commands of {chain}, in order, in a working folder of their own."
    return Chain


for _chain, _commands in CHAINS.items():
    _tests = _chain_tests(_chain, _commands)
    globals()[_tests.__name__] = _tests


def test_every_document_has_commands_and_the_help_examples_are_read():
    where = {w.split(":")[0] for c in COMMANDS for w in [c.where, *c.also]}
    assert {"README.md", "docs/scenarios.md", "docs/dashboard.md",
            "docs/sensitivity.md"} <= where
    assert {f"hls-sim {name} --help" for name in EXAMPLES} <= where
    assert "my_place.yaml" in FILES
