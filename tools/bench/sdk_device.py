"""The official Sinric Pro Python SDK as the device, for the round-trip comparison.

Runs in the bench venv only (build/bench-venv, tools/bench/requirements-sdk.txt), never in .venv.
usage: python sdk_device.py PORT APP_KEY APP_SECRET DEVICE_ID
The SDK always dials wss://{server_url}:{SINRICPRO_SERVER_SSL_PORT}/: the port constant is set
to the TLS double's port; SSL_CERT_FILE (set by the caller) makes it trust the double's CA.
"""

import asyncio
import sys

import sinricpro.core.websocket_client as wsc
from sinricpro import SinricPro, SinricProConfig, SinricProSwitch


async def main(port, key, secret, device_id):
    wsc.SINRICPRO_SERVER_SSL_PORT = port
    sp = SinricPro.get_instance()
    switch = sp.add(SinricProSwitch(device_id))

    async def on_power_state(state):
        return True

    switch.on_power_state(on_power_state)
    await sp.begin(SinricProConfig(app_key=key, app_secret=secret, server_url="localhost",
                                   local_control=False, mdns=False))
    await asyncio.Event().wait()  # until the bench kills the process


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), *sys.argv[2:5]))
