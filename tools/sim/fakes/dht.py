# Fake `dht`: readings come from the sim's `dht <gpio> <celsius> <humidity>` command. It fails
# the way the stock driver does (micropython-lib drivers/sensor/dht/dht.py, frozen into both
# ESP images, over drivers/dht/dht.c): a sensor that does not answer makes dht_readinto()
# raise OSError(ETIMEDOUT); a garbled transfer fails the driver's checksum test, which raises
# a plain Exception("checksum error"). DHT11 values are whole numbers (its bytes 0 and 2).
READINGS = {}  # gpio -> (celsius, humidity), None (no answer) or "checksum" (garbled)
CHECKSUM = "checksum"


def set_reading(gpio, celsius, humidity):
    READINGS[gpio] = (celsius, humidity)


class DHTBase:
    _whole = False

    def __init__(self, pin):
        self._gpio = pin._s.gpio
        self._t = None
        self._h = None

    def measure(self):
        r = READINGS.get(self._gpio)
        if r is None:
            raise OSError(110)  # ETIMEDOUT, as a board with no sensor attached
        if r == CHECKSUM:
            raise Exception("checksum error")  # noqa: TRY002 - what the driver raises
        t, h = r
        self._t, self._h = (int(t), int(h)) if self._whole else (t, h)

    def temperature(self):
        return self._t

    def humidity(self):
        return self._h


class DHT11(DHTBase):
    _whole = True


class DHT22(DHTBase):
    pass
