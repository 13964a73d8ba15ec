# The test services a simulated board runs: SIMSVC names them, comma-separated, each "name"
# or "name=function" (the service runs under name, made by function). Each test services
# module (simsvc, simhang, simoom) ends with plug(globals()).
import os

from firmware import app


def plug(table):
    """Append SIMSVC's services, looked up in table (a module's globals()), to
    firmware.app.SERVICES; KeyError names a service the module does not have."""
    for name in (os.getenv("SIMSVC") or "").split(","):
        if name:
            name, _, fn = name.partition("=")
            app.SERVICES.append((name, table[fn or name]))
