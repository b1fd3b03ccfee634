# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PORT   ?= 8000
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run test install seed eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e ".[test]"
	@touch $@

install: $(VENV)/.installed

seed: install
	$(BIN)/cx seed

run: seed
	PORT=$(PORT) $(BIN)/cx serve --port $(PORT)

# The tests (one worker per core, at most four: each worker seeds its own demo data), then the
# QA replay suite as a release gate (exit 1 when a scenario breaks).
test: install
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4
	$(MAKE) --no-print-directory eval

# The shipped scenario suite (evals/scenarios) through the offline assistant; the report is
# kept in test-artifacts/ (open replay.html in a browser).
eval: seed
	CX_BRAIN=offline $(BIN)/cx eval replay --html test-artifacts/replay.html \
		--transcripts test-artifacts/replay.jsonl

bench: seed
	$(PIP) -e ".[test,bench]"
	$(BIN)/python bench/turn_latency.py

clean:
	rm -rf $(VENV) var
