# firmware/hardware.py on the fake machine/dht modules.
from fakehw import Board, dht, machine
from support import raises


def test_output_starts_at_its_initial_level_and_inverts_when_active_low():
    b = Board()
    relay = b.hw.output(5, active_low=True)
    assert b.level(5) == 1 and b.pin(5).mode == "out"  # off = high on an active-low relay
    relay.value(True)
    assert b.level(5) == 0 and relay.value() == 1
    lit = b.hw.output(6, on=True)
    assert b.level(6) == 1 and lit.value() == 1


def test_pwm_takes_fractions_and_u16_and_clamps():
    b = Board()
    p = b.hw.pwm(12, freq=2000)
    assert b.pin(12).mode == "pwm" and b.pin(12).freq == 2000 and b.pin(12).duty_u16 == 0
    p.duty(0.5)
    assert b.pin(12).duty_u16 == 32768 and p.level == 32768
    p.duty(1.7)
    assert b.pin(12).duty_u16 == 65535
    p.duty(-1.0)
    assert b.pin(12).duty_u16 == 0
    p.duty(1000)
    assert b.pin(12).duty_u16 == 1000
    p.duty(1)  # an int is a raw duty, not "full"
    assert b.pin(12).duty_u16 == 1
    p.duty(70000)
    assert b.pin(12).duty_u16 == 65535


def test_active_low_pwm_starts_dark():
    b = Board()
    p = b.hw.pwm(13, active_low=True)
    assert b.pin(13).duty_u16 == 65535 and p.level == 0
    p.duty(0.25)
    assert b.pin(13).duty_u16 == 65535 - 16384 and p.level == 16384


def test_input_pulls():
    b = Board()
    b.hw.input(14, "up")
    assert b.pin(14).pull == machine.Pin.PULL_UP and b.level(14) == 1
    b.hw.input(15, "down")
    assert b.pin(15).pull == machine.Pin.PULL_DOWN
    b.hw.input(16)
    assert b.pin(16).pull is None and b.pin(16).mode == "in"


def test_input_without_pull_resistor_still_works_and_says_so():
    b = Board()
    real = machine.Pin.PULL_DOWN
    del machine.Pin.PULL_DOWN  # like ESP8266
    try:
        pin = b.hw.input(17, "down")
    finally:
        machine.Pin.PULL_DOWN = real
    assert pin.value() == 0 and b.pin(17).mode == "in"
    assert "GPIO17 has no pull-down" in b.logs[0]


def test_dht_sensors():
    b = Board()
    s22 = b.hw.dht(4)
    s11 = b.hw.dht(15, "dht11")
    with raises(OSError):
        s22.measure()  # no sensor answering
    dht.set_reading(4, 21.6, 40.2)
    dht.set_reading(15, 21.6, 40.2)
    s22.measure()
    s11.measure()
    assert (s22.temperature(), s22.humidity()) == (21.6, 40.2)
    assert (s11.temperature(), s11.humidity()) == (21, 40)
