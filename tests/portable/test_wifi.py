from clock import Clock
from oomlog import OomLog
from support import FakeTicks

from firmware.wifi import CONNECTING, DOWN, ONLINE, Wifi

WRONG_PASSWORD, NO_AP = -3, -2


class FakeWLAN:
    def __init__(self):
        self.active_ = False
        self.connected = False
        self.joins = []
        self.disconnects = 0
        self.st = 1
        self.fail_connect = False

    def active(self, on=None):
        if on is None:
            return self.active_
        self.active_ = on

    def connect(self, ssid, key):
        if self.fail_connect:
            raise OSError("Wifi Internal Error")
        self.joins.append((ssid, key))

    def disconnect(self):
        self.disconnects += 1
        self.connected = False

    def isconnected(self):
        return self.connected

    def status(self):
        return self.st

    def ifconfig(self):
        return ("192.168.1.7", "255.255.255.0", "192.168.1.1", "192.168.1.1")

    def config(self, key):
        return b"\x24\x6f\x28\xaa\xbb\xcc"


def _wifi(**kw):
    kw.setdefault("rand", lambda n: n // 2)  # jitter factor exactly 1.0
    t = FakeTicks()
    wlan = FakeWLAN()
    logs = []
    names = []
    w = Wifi(wlan, "home", "secret-123", hostname="hall-node", timeout_s=20,
             set_hostname=names.append, fail_status=(WRONG_PASSWORD, NO_AP), log=logs.append,
             clock=Clock(t), **kw)
    states = []
    w.subscribe(states.append)
    return w, wlan, t, logs, states, names


def test_connects_sets_the_hostname_and_reports_online():
    w, wlan, t, logs, states, names = _wifi()
    assert w.state == DOWN and not w.up.is_set() and w.down.is_set()
    assert w.poll() == w.poll_ms
    assert (w.state, wlan.joins, names, wlan.active_) == (
        CONNECTING, [("home", "secret-123")], ["hall-node"], True)
    t.advance(200)
    assert w.poll() == w.poll_ms  # not yet
    wlan.connected = True
    t.advance(200)
    assert w.poll() == w.check_ms
    assert w.state == ONLINE and w.online and w.is_online() and w.generation == 1
    assert w.up.is_set() and not w.down.is_set()
    assert states == [CONNECTING, ONLINE]
    assert logs[-1] == "wifi: online as 192.168.1.7 after 400 ms"
    assert w.ip() == "192.168.1.7" and w.mac() == "24:6F:28:AA:BB:CC"


def test_timeout_then_exponential_backoff_to_a_cap():
    w, wlan, t, logs, states, _ = _wifi()
    waits = []
    for _ in range(9):
        w.poll()  # dial
        t.advance(20000)
        wait = w.poll()  # timed out
        assert w.state == DOWN
        waits.append(wait)
        t.advance(wait)
    # jitter fixed at 1.0x here: 1 s doubling to the 60 s cap
    assert waits == [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]
    assert w.failures == 9 and wlan.disconnects == 9 and len(wlan.joins) == 9
    assert "wifi: no connection within 20 s; retry in 1000 ms" in logs


def test_jitter_spreads_the_retry():
    for r, expect in ((0, 750), (1023, 1249)):
        w, wlan, t, _, _, _ = _wifi(rand=lambda n, r=r: r * n >> 10)  # r: 10 random bits
        w.poll()
        t.advance(20000)
        assert w.poll() == expect


def test_while_backing_off_it_checks_in_at_least_every_second():
    w, wlan, t, _, _, _ = _wifi()
    for _ in range(4):
        w.poll()
        t.advance(20000)
        t.advance(w.poll())
    w.poll()
    t.advance(20000)
    assert w.poll() == 16000  # the fifth failure
    assert w.poll() == w.check_ms
    t.advance(15500)
    assert w.poll() == 500
    t.advance(500)
    w.poll()
    assert w.state == CONNECTING


def test_a_failure_status_ends_the_attempt_early():
    w, wlan, t, logs, _, _ = _wifi()
    w.poll()
    wlan.st = WRONG_PASSWORD
    t.advance(200)
    assert w.poll() == 1000 and w.state == DOWN
    assert logs[-1] == "wifi: connect failed (status -3); retry in 1000 ms"


def test_link_lost_redials_at_once_and_success_resets_the_backoff():
    w, wlan, t, logs, states, _ = _wifi()
    w.poll()
    t.advance(20000)
    w.poll()  # one failure: backoff now 2 s
    t.advance(1000)
    w.poll()
    wlan.connected = True
    w.poll()
    assert w.state == ONLINE and w.failures == 0
    wlan.connected = False  # the access point goes away
    t.advance(1000)
    assert w.poll() == w.poll_ms
    assert w.state == CONNECTING and w.losses == 1 and "wifi: link lost" in logs
    assert states == [CONNECTING, DOWN, CONNECTING, ONLINE, DOWN, CONNECTING]
    assert w.up.is_set() is False and w.down.is_set()
    t.advance(20000)
    assert w.poll() == 1000  # the backoff starts over
    t.advance(1000)
    w.poll()
    wlan.connected = True
    w.poll()
    assert w.state == ONLINE and w.generation == 2


def test_connect_errors_and_bad_subscribers_do_not_stop_it():
    w, wlan, t, logs, states, _ = _wifi()

    def bad(state):
        raise RuntimeError("subscriber bug")

    w.subscribe(bad)
    wlan.fail_connect = True
    assert w.poll() == 1000 and w.state == DOWN
    assert "wifi: connect failed: Wifi Internal Error" in logs
    wlan.fail_connect = False
    t.advance(1000)
    w.poll()
    wlan.connected = True
    w.poll()
    assert w.state == ONLINE
    assert any(x.startswith("wifi: subscriber failed") for x in logs)


def test_hostname_errors_are_logged_once_per_attempt():
    w, wlan, t, logs, _, _ = _wifi()

    def old_port(name):
        raise ValueError("unknown config param")

    w._set_hostname = old_port
    w.poll()
    assert w.state == CONNECTING
    assert any(x.startswith("wifi: cannot set hostname") for x in logs)


def test_a_wifi_subscriber_failing_on_a_full_heap_does_not_stop_wifi():
    # The failure may be the heap's: the line with its details may not fit either, and its
    # MemoryError ended the task (the app took that for a crash); a short constant line now.
    w, wlan, t, logs, states, _ = _wifi()
    log = w._log = OomLog("wifi: subscriber failed: ")

    def bad(state):
        raise MemoryError("memory allocation failed, allocating 32 bytes")

    w.subscribe(bad)
    wlan.connected = True
    w.poll()
    w.poll()
    assert w.online and states[-1] == w.state
    assert "wifi: subscriber failed (out of memory for the details)" in log.lines


def test_a_connect_error_on_a_full_heap_is_retried_with_a_short_line():
    # The line with the port's reason did not fit the heap: its MemoryError ended the app's
    # monitor, which steps Wi-Fi (a crash and a restart). A short constant line, and a retry.
    w, wlan, t, logs, states, _ = _wifi()
    log = w._log = OomLog("wifi: connect failed: ")
    wlan.fail_connect = True
    assert w.poll() == 1000 and w.state == DOWN
    assert log.lines[0] == "wifi: connect failed (out of memory for the details)"
    wlan.fail_connect = False
    t.advance(1000)
    w.poll()
    assert wlan.joins == [("home", "secret-123")]
