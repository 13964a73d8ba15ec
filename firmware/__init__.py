# The project's version, in this one place: the board reports it (Sinric SDKVersion, and
# firmwareVersion unless the config sets sinric.firmware_version), tools/mip_package.py
# writes it into package.json, tools/yango_devices.py into device_info.sw_version.
VERSION = "0.1.0"
