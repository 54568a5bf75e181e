# The two commands: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test demo bench lint clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11 / Python 3.11 is required ($(PYTHON) not found)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

# The main job on the embedded default: SQLite under var/, the web console on
# 127.0.0.1:8000 (demo accounts listed on its login page), a Prefect server on
# 127.0.0.1:4200 started by `jiandu serve`, every flow on its schedule. Ctrl-C stops.
run: $(STAMP)
	$(BIN)/jiandu init --sample
	$(BIN)/jiandu serve --demo

demo: $(STAMP)
	$(BIN)/jiandu demo

test: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup tests

# Every bench/*.py at small sizes, ratios against a baseline of the same run, figures appended
# to bench/RESULTS.md (bench/run_all.py --full: each at its full size). Exit 1 only on an error.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var/*.db
