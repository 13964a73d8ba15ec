# Starts the application; firmware/app.py owns crash handling and safe mode.
try:
    import asyncio  # noqa: F401 - only to tell a missing asyncio from missing firmware
except ImportError:
    # the ESP8266 FLASH_1M and FLASH_512K images freeze no asyncio (ports/esp8266/boards/
    # ESP8266_GENERIC: only manifest_2MiB.py adds it)
    print("main: this MicroPython image has no asyncio (the ESP8266 1 MB and 512 KB images "
          "lack it); flash the ESP8266_GENERIC image for 2 MB+ flash (or an ESP32 image), "
          "then deploy again")
else:
    try:
        from firmware import app
    except ImportError as e:
        print("main: firmware not installed:", e)
    else:
        app.main()
