# Two commands a new user needs: `make demo` and `make test`. Both set themselves up,
# from the lock file (requirements/dev.lock: exact versions the tests were run against),
# so a result made in March can be reproduced in June. pyproject.toml keeps version
# ranges for people who install hls_sim into an environment of their own.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-lock
LOCK := requirements/dev.lock
UV_VERSION := 0.13.9
# uv installs the lock (seconds, not minutes); it is itself pinned, as the lock is.
UV := $(BIN)/uv

.PHONY: demo test lint bench lock test-latest test-py312 clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (as on the machines this
# project is tested on), Python never writes .pyc files, so without it every process
# (each CLI command, pool or Dask worker, notebook kernel) compiled numba, mesa and
# pandas from source again: about 2.5 s a process here.
$(STAMP): $(LOCK) pyproject.toml | $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -r $(LOCK)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q hls_sim
	$(BIN)/python -m hls_sim.warm  # compile the model's kernels once (cached on disk)
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m hls_sim demo

# The dashboard's tests (a real Solara server driven by headless Chromium) run after the
# rest, on their own: beside the other test worker's process pools, the served world's
# pause (SolaraViz's ❚❚) did not take effect for minutes in three full-suite runs, while
# the same tests passed every time alone and beside two busy loops (an open question,
# noted for the dashboard's next issue).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto --dist loadscope --ignore=tests/test_dashboard.py  # a test file (or a chain of documented commands: a class) per worker (pytest-xdist)
	$(BIN)/python -m pytest tests/test_dashboard.py  # the browser tests alone: see above

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_runner.py

# Refresh the lock to the newest versions pyproject.toml's ranges allow (then run
# `make test` and commit requirements/dev.lock if it passes). One universal lock: the
# same versions on Linux, macOS and Windows; Mesa 3.4 and later need Python 3.12, so a
# few packages have one pin for Python 3.11 and one for later Pythons.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--upgrade --quiet -o $(LOCK)

# The whole suite against the newest versions the ranges allow, in a separate
# environment (.venv-latest), without touching the lock: what a user who runs
# `pip install hls_sim` today would get.
test-latest: | $(UV)
	rm -rf .venv-latest
	$(UV) venv --quiet --python $(PYTHON) .venv-latest
	$(UV) pip install --quiet --compile-bytecode --python .venv-latest/bin/python --upgrade -e ".[dev]"
	.venv-latest/bin/ruff check .
	.venv-latest/bin/lint-imports
	.venv-latest/bin/python -m pytest -n auto --dist loadscope --ignore=tests/test_dashboard.py
	.venv-latest/bin/python -m pytest tests/test_dashboard.py

# The whole suite on Python 3.12 with the lock's pins for it (Mesa 3.5, EMA Workbench 3;
# CI runs the 3.11 pins): the lock is universal, and the two sets of pins differ in
# ways that have broken things CI could not see. PYTHON312 names the interpreter.
PYTHON312 ?= python3.12
test-py312: | $(UV)
	rm -rf .venv-312
	$(UV) venv --quiet --python $(PYTHON312) .venv-312
	$(UV) pip install --quiet --compile-bytecode --python .venv-312/bin/python -r $(LOCK)
	$(UV) pip install --quiet --compile-bytecode --python .venv-312/bin/python --no-deps -e .
	.venv-312/bin/python -m hls_sim.warm
	.venv-312/bin/python -m pytest -n auto --dist loadscope --ignore=tests/test_dashboard.py
	.venv-312/bin/python -m pytest tests/test_dashboard.py

clean:
	rm -rf $(VENV) .venv-latest .venv-312 .pytest_cache .ruff_cache results
