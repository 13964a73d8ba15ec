# The chip the simulated board plays: SIM_CHIP ("esp32", the default, or "esp8266"). Each
# entry is read from the MicroPython 1.28 port sources (ports/esp32, ports/esp8266), file by
# file, independently of the product's own table (firmware/chips.py), which a test holds
# against this one. The fakes (machine, network, dht) and the runner (reset causes) use it.
# The table is JSON text, not Python literals: its names then cost the simulated board no
# interned strings (which would move the firmware's own qstr pool growth, see agent.py).
#
# esp32 (ports/esp32):
#   machine_pin.h (CONFIG_IDF_TARGET_ESP32, no SPIRAM): MICROPY_HW_ENABLE_GPIOn
#     -> pins
#   machine_pin.c: GPIO_FIRST_NON_OUTPUT 34 -> ValueError("pin can only be input")
#     -> input_only_from
#   machine_pin.c: pulls go to gpio_pullup_en()/gpio_pulldown_en() whose error (34-39 have
#   no pull resistors) is ignored: accepted, no effect
#     -> pull_ignored
#     -> pull_error
#     -> has_pull_down
#   machine_pin.c: PULL_DOWN 1, PULL_UP 2; IN/OUT/OPEN_DRAIN are gpio_mode_t values
#     -> PULL_UP, PULL_DOWN, IN, OUT, OPEN_DRAIN
#     -> irq_error
#   machine_pwm.c: LEDC_SPEED_MODE_MAX x LEDC_CHANNEL_MAX = 16 channels, x LEDC_TIMER_MAX =
#   8 timers (one frequency each); freq outside 1..40 MHz is a ValueError; duty_u16 above
#   65535 a ValueError; any output pin
#     -> pwm_pins, pwm_channels, pwm_timers, pwm_freq_max
#     -> pwm_freq_clamp, pwm_shared_freq
#   machine_wdt.c: id 0 only, timeout_ms <= 0 -> ValueError, otherwise any timeout
#     -> wdt_fixed_ms
#   machine_rtc.c: MICROPY_HW_RTC_USER_MEM_MAX 2048
#     -> rtc_mem
#   modmachine.c mp_machine_reset_cause(): PWRON 1, HARD 2, WDT 3, DEEPSLEEP 4, SOFT 5;
#   ESP_RST_POWERON (power-on and the EN button) -> PWRON_RESET; ESP_RST_SW (machine.reset())
#   and ESP_RST_PANIC -> HARD_RESET; task/interrupt WDT -> WDT_RESET
#     -> causes, PWRON_RESET, HARD_RESET, WDT_RESET, DEEPSLEEP_RESET
#     -> SOFT_RESET
#     -> restart, poweron, button, reset, panic, watchdog
#     -> deepsleep, soft
#   modnetwork.h, modnetwork_globals.h: STAT_* (1000+ for the states, esp_wifi reason codes
#   for the failures; STAT_CONNECT_FAIL is WIFI_REASON_ASSOC_FAIL, as is the deprecated
#   STAT_ASSOC_FAIL, which the firmware does not read); network_wlan.c: both interfaces are
#   inactive after boot (the esp32 port keeps no Wi-Fi mode in flash)
#     -> stat, STAT_IDLE, STAT_CONNECTING, STAT_GOT_IP
#     -> STAT_NO_AP_FOUND, STAT_WRONG_PASSWORD, STAT_BEACON_TIMEOUT
#     -> STAT_CONNECT_FAIL, STAT_HANDSHAKE_TIMEOUT
#     -> ap_active_first_boot
#   boards/ESP32_GENERIC: the port manifest freezes asyncio, dht, webrepl, ...
#     -> frozen
#
# esp8266 (ports/esp8266):
#   machine_pin.c pyb_pin_obj[]: 0-5, 9, 10, 12-16 exist; others -> ValueError("invalid pin")
#     -> pins
#     -> input_only_from
#     -> pull_ignored
#   machine_pin.c: Pin(16) with a pull -> ValueError("Pin(16) doesn't support pull")
#     -> pull_error
#   machine_pin.c: PULL_DOWN is commented out of the class constants
#     -> has_pull_down
#     -> PULL_UP, PULL_DOWN, IN, OUT, OPEN_DRAIN
#   machine_pin.c pyb_pin_irq(): phys_port >= 16 -> OSError("pin does not have IRQ ...")
#     -> irq_error
#   esppwm.c: PWM_CHANNEL 8 on pin_num[] = 0, 2, 4, 5, 12, 13, 14, 15 (others: machine_pwm.c
#   ValueError "PWM not supported on pin"); pwm_set_freq() clamps to 1..PWM_FREQ_MAX 1000
#   and is one frequency for every channel; duty is 0..PWM_DEPTH 1023 (clamped, no error);
#   machine_pwm.c scales duty_u16 by 1024/65535 in duty_u16() but by 1000/65535 in the
#   constructor's duty_u16= argument
#     -> pwm_pins, pwm_channels, pwm_timers
#     -> pwm_freq_max, pwm_freq_clamp, pwm_shared_freq
#   machine_wdt.c: "The timeout on ESP8266 is fixed": timeout_ms != 5000 -> ValueError
#     -> wdt_fixed_ms
#   machine_rtc.c: MEM_USER_MAXLEN = 512 - (MEM_USER_DATA_ADDR - MEM_DELTA_ADDR) * 4 = 492;
#   longer -> ValueError("buffer too long")
#     -> rtc_mem
#   modmachine.c: the constants are the SDK's rst_reason values (REASON_DEFAULT_RST 0,
#   REASON_WDT_RST 1, REASON_EXCEPTION_RST 2, REASON_SOFT_WDT_RST 3, REASON_SOFT_RESTART 4,
#   REASON_DEEP_SLEEP_AWAKE 5, REASON_EXT_SYS_RST 6); machine.reset() is system_restart()
#   -> 4; machine.WDT stops the SDK feeding its soft watchdog (machine_wdt.c), which then
#   resets with 3, a number no machine constant names; a fatal exception gives 2
#     -> causes, PWRON_RESET, WDT_RESET, SOFT_RESET, DEEPSLEEP_RESET
#     -> HARD_RESET
#     -> restart, poweron, button, reset, panic, watchdog
#     -> deepsleep, soft
#   network_wlan.c: STAT_* are the SDK's station_status_t values
#     -> stat, STAT_IDLE, STAT_CONNECTING, STAT_WRONG_PASSWORD
#     -> STAT_NO_AP_FOUND, STAT_CONNECT_FAIL, STAT_GOT_IP
#   modules/inisetup.py wifi(): first boot configures the AP "MicroPython-xxxxxx" with
#   WPA/WPA2 key "micropythoN"; the SDK keeps the Wi-Fi mode in flash, so it stays active on
#   every boot until something turns it off
#     -> ap_active_first_boot
#   boards/manifest.py freezes dht, webrepl, ...; only manifest_2MiB.py adds asyncio (the
#   FLASH_1M and FLASH_512K variants have none)
#     -> frozen

import json
import os

CHIP = os.getenv("SIM_CHIP") or "esp32"
# SIM_IMAGE "1M" (or "512K") plays an ESP8266 FLASH_1M / FLASH_512K image: no asyncio
IMAGE = os.getenv("SIM_IMAGE") or ""
_DATA = (
    '{'
    '"esp32": {'
    '"pins": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, '
    '22, 23, 25, 26, 27, 32, 33, 34, 35, 36, 37, 38, 39],'
    '"input_only_from": 34,'
    '"pull_ignored": [34, 35, 36, 37, 38, 39],'
    '"pull_error": [],'
    '"has_pull_down": true,'
    '"PULL_UP": 2,'
    '"PULL_DOWN": 1,'
    '"IN": 1,'
    '"OUT": 3,'
    '"OPEN_DRAIN": 7,'
    '"irq_error": [],'
    '"pwm_pins": null,'
    '"pwm_channels": 16,'
    '"pwm_timers": 8,'
    '"pwm_freq_max": 40000000,'
    '"pwm_freq_clamp": false,'
    '"pwm_shared_freq": false,'
    '"wdt_fixed_ms": null,'
    '"rtc_mem": 2048,'
    '"causes": {"PWRON_RESET": 1, "HARD_RESET": 2, "WDT_RESET": 3, "DEEPSLEEP_RESET": 4, '
    '"SOFT_RESET": 5},'
    '"restart": {"poweron": 1, "button": 1, "reset": 2, "panic": 2, "watchdog": 3, '
    '"deepsleep": 4, "soft": 5},'
    '"stat": {"STAT_IDLE": 1000, "STAT_CONNECTING": 1001, "STAT_GOT_IP": 1010, '
    '"STAT_NO_AP_FOUND": 201, "STAT_WRONG_PASSWORD": 202, "STAT_BEACON_TIMEOUT": 200, '
    '"STAT_CONNECT_FAIL": 203, "STAT_HANDSHAKE_TIMEOUT": 204},'
    '"ap_active_first_boot": false,'
    '"frozen": ["asyncio", "dht", "webrepl", "ntptime", "onewire", "ds18x20", "neopixel"]'
    '},'
    '"esp8266": {'
    '"pins": [0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16],'
    '"input_only_from": null,'
    '"pull_ignored": [],'
    '"pull_error": [16],'
    '"has_pull_down": false,'
    '"PULL_UP": 1,'
    '"PULL_DOWN": null,'
    '"IN": 0,'
    '"OUT": 1,'
    '"OPEN_DRAIN": 2,'
    '"irq_error": [16],'
    '"pwm_pins": [0, 2, 4, 5, 12, 13, 14, 15],'
    '"pwm_channels": 8,'
    '"pwm_timers": 1,'
    '"pwm_freq_max": 1000,'
    '"pwm_freq_clamp": true,'
    '"pwm_shared_freq": true,'
    '"wdt_fixed_ms": 5000,'
    '"rtc_mem": 492,'
    '"causes": {"PWRON_RESET": 0, "WDT_RESET": 1, "SOFT_RESET": 4, "DEEPSLEEP_RESET": 5, '
    '"HARD_RESET": 6},'
    '"restart": {"poweron": 0, "button": 6, "reset": 4, "panic": 2, "watchdog": 3, '
    '"deepsleep": 5, "soft": 4},'
    '"stat": {"STAT_IDLE": 0, "STAT_CONNECTING": 1, "STAT_WRONG_PASSWORD": 2, '
    '"STAT_NO_AP_FOUND": 3, "STAT_CONNECT_FAIL": 4, "STAT_GOT_IP": 5},'
    '"ap_active_first_boot": true,'
    '"frozen": ["dht", "webrepl", "ntptime", "onewire", "ds18x20", "neopixel", "apa102", '
    '"port_diag"]'
    '}'
    '}'
)
if hasattr(os, "getpid"):  # the host (tools/sim/run.py): every chip
    PROFILES = json.loads(_DATA)  # chip -> facts
    P = PROFILES[CHIP]
else:  # the simulated board or a device test: one chip in a small heap
    P = json.loads(_DATA)[CHIP]
del _DATA
