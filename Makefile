# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PORT   ?= 8000
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run test install seed bench clean

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

test: install
	$(BIN)/python -m pytest -q

bench: seed
	$(PIP) -e ".[test,bench]"
	$(BIN)/python bench/turn_latency.py

clean:
	rm -rf $(VENV) var
