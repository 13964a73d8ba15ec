# Host tools (CPython only, never deployed). Run them as modules from the project root:
#   python -m tools.sim.run CONFIG,  python -m tools.sinric_server serve, ...
# This is the one place a tool's import path is set: lib/ (the board's protocol modules,
# imported by name as on the board) goes after the project root. pytest gets the same from
# pyproject.toml. The portable tests also import tools.yango on MicroPython: nothing to do.
import sys

if sys.implementation.name != "micropython":
    import os

    _LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib")
    if _LIB not in sys.path:
        sys.path.append(_LIB)
