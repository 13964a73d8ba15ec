# temperature: a DHT11/DHT22 read every interval_s.
# Sinric: currentTemperature events {"temperature": t (0.1), "humidity": h (0.01)} with cause
# PERIODIC_POLL, sent when the reading changed, at least every heartbeat_ms, never more
# often than event_gap_ms (Sinric's 60 s sensor limit). Yango: devices.types.sensor,
# float properties temperature (unit.temperature.celsius) and humidity (unit.percent).
# A failed read is logged and skipped, whatever it raised: the dht driver raises OSError on a
# timeout but a plain Exception("checksum error") on a bad transfer (micropython-lib
# drivers/sensor/dht/dht.py), and a value outside the sensor's range is a failure too. After
# max_failures in a row the reading counts as unknown (left out of states) and the fault is
# reported: a Sinric pushNotification (cause ALERT) and, for a thermostat, Yango on_off false.
from firmware.devices.base import FLOAT, SENSOR, Device


class Climate:
    """Periodic DHT readings, shared by the temperature sensor and the thermostat."""

    event_gap_ms = 60000
    heartbeat_ms = 600000
    max_failures = 3
    first_read_ms = 2000  # a DHT needs a moment after power-up

    def __init__(self, dev, cfg):
        self.dev = dev
        hw = dev.hw
        kind = cfg["dht_type"]
        self.sensor = hw.dht(cfg["dht"], kind)
        self.lo, self.hi = (0, 50) if kind == "dht11" else (-40, 80)
        self.interval_ms = max(2, cfg["interval_s"]) * 1000  # DHT22: 2 s minimum
        self.temperature = None
        self.humidity = None
        self.failures = 0
        self.lost = False  # max_failures reads failed in a row; cleared by a good one
        c = hw.clock
        self._next = c.ticks_add(c.ticks_ms(), self.first_read_ms)
        self._sent = None  # (t, h) last sent to Sinric
        self._sent_t = 0

    def poll(self):
        """Read when due; True when the reading (or its loss) changed the state."""
        dev = self.dev
        hw = dev.hw
        c = hw.clock
        now = c.ticks_ms()
        if c.until(self._next, self.interval_ms + self.first_read_ms, now):
            return False
        self._next = c.ticks_add(now, self.interval_ms)
        s = self.sensor
        try:
            s.measure()
            t = s.temperature()
            h = s.humidity()
            # A marginal wire can pass the checksum with nonsense; NaN fails both tests.
            if not (self.lo <= t <= self.hi and 0 <= h <= 100):
                raise ValueError("implausible reading %r C %r %%" % (t, h))
        except Exception as e:  # noqa: BLE001 - any failure counts (see the top)
            self.failures += 1
            try:  # the failure may be the heap's: then the line may not fit either
                hw.log("%s: sensor read failed (%d in a row): %r" % (dev.name, self.failures,
                                                                      e))
            except MemoryError:
                hw.log("temperature: sensor read failed (out of memory for the details)")
            if self.failures != self.max_failures:
                return False
            self.temperature = self.humidity = None
            self.lost = True
            # True whatever the heap holds: the owner acts on the loss (a thermostat turns
            # its heater off), and a later failed read never comes this way again
            try:
                hw.log("%s: sensor lost after %d failed reads" % (dev.name, self.failures))
            except MemoryError:
                hw.log("temperature: sensor lost (out of memory for the details)")
            try:
                dev.out.sinric(dev, "pushNotification",
                               {"alert": "%s: temperature sensor not answering" % dev.name},
                               "ALERT")
            except MemoryError:
                hw.log("temperature: sensor lost; its alert did not fit the heap")
            return True
        self.failures = 0
        if self.lost:
            self.lost = False
            hw.log("%s: sensor back" % dev.name)
        t = round(t, 1)
        h = round(h, 2)
        if t != self.temperature:
            dev.out.yango(dev, FLOAT, "temperature", t)
        if h != self.humidity:
            dev.out.yango(dev, FLOAT, "humidity", h)
        changed = t != self.temperature or h != self.humidity
        self.temperature = t
        self.humidity = h
        age = c.since(self._sent_t, now)  # failing reads for days: old, not the future
        if self._sent is None or (age >= self.event_gap_ms and (
                (t, h) != self._sent or age >= self.heartbeat_ms)):
            self._sent = (t, h)
            self._sent_t = now
            dev.out.sinric(dev, "currentTemperature", {"temperature": t, "humidity": h},
                           "PERIODIC_POLL")
        return changed

    def state(self):
        if self.temperature is None:
            return []
        return [(FLOAT, "temperature", self.temperature), (FLOAT, "humidity", self.humidity)]


class Temperature(Device):
    yango_type = SENSOR
    poll_ms = 500

    def __init__(self, cfg, hw, out, saved):
        Device.__init__(self, cfg, hw, out)
        self.climate = Climate(self, cfg)

    def poll(self):
        self.climate.poll()

    def yango_state(self):
        return self.climate.state()
