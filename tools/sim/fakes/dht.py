# Fake `dht`: readings come from the sim's `dht <gpio> <celsius> <humidity>` command.
READINGS = {}  # gpio -> (celsius, humidity) or None for a sensor that times out


def set_reading(gpio, celsius, humidity):
    READINGS[gpio] = (celsius, humidity)


class _DHT:
    _whole = False

    def __init__(self, pin):
        self._gpio = pin._s.gpio
        self._t = None
        self._h = None

    def measure(self):
        r = READINGS.get(self._gpio)
        if r is None:
            raise OSError(110)  # ETIMEDOUT, as a board with no sensor attached
        t, h = r
        self._t, self._h = (int(t), int(h)) if self._whole else (t, h)

    def temperature(self):
        return self._t

    def humidity(self):
        return self._h


class DHT11(_DHT):
    _whole = True


class DHT22(_DHT):
    pass
