# The two commands: `make run` and `make test`. Both build .venv on first use, from the lock file.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every dependency resolved, with hashes: `make lock` re-resolves it after a change to pyproject.toml
# (or to take newer releases), then installs it. The venv's own tools are locked with it.
LOCK := requirements.lock
LOCK_TOOLS := 'pip>=26.1.2' 'setuptools>=78.1.1' wheel uv

.PHONY: run test demo bench lint lock system clean

# uv, itself installed from the lock (pip checks its hash), installs the rest: the venv is exactly
# the lock (uv pip sync), then the project itself, editable, with no dependency outside the lock.
$(BIN)/uv:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11 / Python 3.11 is required ($(PYTHON) not found)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	awk '/^uv==/{p=1} p{print; if (!/\\$$/) exit}' $(LOCK) > $(VENV)/uv.lock.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(VENV)/uv.lock.txt

$(STAMP): $(LOCK) pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes $(LOCK)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	@touch $(STAMP)

lock: | $(BIN)/uv
	printf '%s\n' $(LOCK_TOOLS) | $(BIN)/uv pip compile --quiet --universal --python-version 3.11 \
	  --generate-hashes --extra test --custom-compile-command 'make lock' pyproject.toml - -o $(LOCK)
	$(MAKE) $(STAMP)

# Debian's Chromium and a CJK font for the browser tests, when missing (as root or with sudo).
system:
	@scripts/setup-system.sh

# The main job on the embedded default: SQLite under var/, the web console on
# 127.0.0.1:8000 (demo accounts listed on its login page), a Prefect server on
# 127.0.0.1:4200 started by `jiandu serve`, every flow on its schedule. Ctrl-C stops.
run: $(STAMP)
	$(BIN)/jiandu init --sample
	$(BIN)/jiandu serve --demo

demo: $(STAMP)
	$(BIN)/jiandu demo

test: $(STAMP) system
	$(BIN)/pytest -n 2 --dist loadgroup tests

# Every bench/*.py at small sizes, ratios against a baseline of the same run, figures appended
# to bench/RESULTS.md (bench/run_all.py --full: each at its full size). Exit 1 only on an error.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var/*.db
