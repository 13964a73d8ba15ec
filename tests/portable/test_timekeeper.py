# The time service: SNTP messages (lib/sntp), the RTC at boot and kept in step, SNTP over a
# non-blocking UDP socket with a timeout (firmware/timekeeper), against a fake socket module
# that behaves like the ESP ports' (recv on a non-blocking socket with nothing queued raises
# OSError EAGAIN: ports/esp32/modsocket.c _socket_read_data, extmod/modlwip.c).
import asyncio

from clock import Clock
from oomlog import OomLog
from sntp import civil, request, unix, unix_time
from support import FakeTicks, raises

from firmware.timekeeper import TimeKeeper

T = 1796000000  # 2026-11-30 00:53:20 UTC


def reply(t, nonce, mode=4, stratum=2, li=0, frac=0):
    b = bytearray(48)
    b[0] = li << 6 | 4 << 3 | mode
    b[1] = stratum
    b[24:28] = nonce.to_bytes(4, "big")
    b[40:44] = ((t + 2208988800) & 0xFFFFFFFF).to_bytes(4, "big")
    b[44] = frac
    return bytes(b)


def test_request_and_reply():
    r = request(0x12345678)
    assert len(r) == 48 and r[0] == 0x23 and r[40:44] == b"\x12\x34\x56\x78"
    assert unix_time(reply(T, 7), 7) == T
    assert unix_time(reply(T, 7, frac=0x80), 7) == T + 1  # rounded
    assert unix_time(reply(2200000000, 7), 7) == 2200000000  # NTP era 1 (after 2036)
    for bad, why in ((reply(T, 8), "another request"), (reply(T, 7, mode=3), "mode 3"),
                     (reply(T, 7, stratum=0), "stratum 0"), (reply(T, 7, li=3), "not synch"),
                     (reply(T, 7)[:40], "short"), (reply(-2208988800, 7), "zero")):
        with raises(ValueError, match=why):
            unix_time(bad, 7)


def test_civil_dates_both_ways():
    for t, want in ((0, (1970, 1, 1, 3, 0, 0, 0)), (951782400, (2000, 2, 29, 1, 0, 0, 0)),
                    (T, (2026, 11, 30, 0, 0, 53, 20)),
                    (4107542400, (2100, 3, 1, 0, 0, 0, 0))):
        assert civil(t) == want + (0,), (t, civil(t))
        assert unix(want + (0,)) == t


class FakeRTC:
    def __init__(self, dt):
        self.dt = dt
        self.sets = []

    def datetime(self, dt=None):
        if dt is None:
            return self.dt
        self.sets.append(dt)
        self.dt = dt


class FakeSocketModule:
    """socket as the ESP ports have it, for UDP: the server answers `answers` in turn
    (None: stays silent); each recv() with nothing queued raises EAGAIN and lets ticks run."""
    AF_INET = 2
    SOCK_DGRAM = 2

    def __init__(self, ticks, answers):
        self.ticks = ticks
        self.answers = list(answers)
        self.sent = []
        self.resolved = []

    def getaddrinfo(self, host, port, af, kind):
        self.resolved.append((host, port))
        return [(2, 2, 17, "", (host, port))]

    def socket(self, af, kind):
        return _Sock(self)


class _Sock:
    def __init__(self, mod):
        self.mod = mod
        self.queue = []

    def setblocking(self, flag):
        assert flag is False  # never a blocking socket on the loop

    def sendto(self, data, addr):
        self.mod.sent.append(bytes(data))
        a = self.mod.answers.pop(0) if self.mod.answers else None
        if a is not None:
            nonce = int.from_bytes(data[40:44], "big")
            self.queue.append(a(nonce))

    def recv(self, n):
        if self.queue:
            return self.queue.pop(0)
        self.mod.ticks.advance(100)
        raise OSError(11)

    def close(self):
        pass


def _tk(answers, rtc=None, server="pool.ntp.org"):
    t = FakeTicks()
    logs = []
    clock = Clock(t, logs.append)
    sock = FakeSocketModule(t, answers)
    tk = TimeKeeper(clock, None, server, rtc, logs.append, sock)

    tk.poll_ms = 1
    return tk, clock, sock, logs


def test_sntp_sets_the_clock_and_the_rtc():
    rtc = FakeRTC((2000, 1, 1, 5, 0, 0, 7, 0))  # after a power cut
    tk, clock, sock, logs = _tk([lambda n: reply(T, n)], rtc)
    assert not tk.start() and "RTC not set" in logs[-1] and not clock.synced
    assert asyncio.run(tk.step()) == 3600000  # hourly from now on
    assert clock.now() == T and clock.name == "sntp" and sock.resolved == [("pool.ntp.org", 123)]
    tk.update()
    assert rtc.sets == [civil(T)]


def test_a_soft_reset_starts_with_the_rtc_time_then_sntp_wins():
    rtc = FakeRTC(civil(T - 100))
    tk, clock, sock, logs = _tk([lambda n: reply(T, n)], rtc, server="127.0.0.1:1234")
    assert tk.start() and clock.now() == T - 100 and clock.name == "rtc"
    asyncio.run(tk.step())
    assert clock.now() == T and clock.name == "sntp" and sock.resolved == [("127.0.0.1", 1234)]


def test_no_answer_times_out_and_backs_off_with_one_line():
    tk, clock, sock, logs = _tk([None, None, None])
    waits = [asyncio.run(tk.step()) for _ in range(3)]
    assert not clock.synced and len(sock.sent) == 3
    assert waits == [5000, 10000, 20000]
    assert len(logs) == 1 and "no answer within 3000 ms" in logs[0] and "without a time" in logs[0]


def test_a_forged_or_stale_answer_is_not_taken():
    # an answer to another request (a spoof, or a late one) is skipped; the real one counts
    tk, clock, sock, logs = _tk([lambda n: reply(T + 999, n + 1)])
    asyncio.run(tk.step())
    assert not clock.synced and "no answer" in logs[-1]  # kept listening until the timeout
    tk2, clock2, _, _ = _tk([lambda n: reply(T, n, stratum=0)])
    asyncio.run(tk2.step())
    assert not clock2.synced


def test_a_sinric_sync_reaches_the_rtc_too():
    rtc = FakeRTC((2000, 1, 1, 5, 0, 0, 7, 0))
    tk, clock, _, _ = _tk([], rtc, server="")
    clock.sync(T, "sinric")
    tk.update()
    tk.update()
    assert rtc.sets == [civil(T)]


class _Wifi:
    online = False


async def _asked(tk):
    for _ in range(200):  # the exchange's own task: the fake server answers at once
        if not tk._asking:
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the SNTP task did not end")


def test_the_monitor_asks_sntp_in_a_short_task_once_wifi_is_up():
    rtc = FakeRTC((2000, 1, 1, 5, 0, 0, 7, 0))
    tk, clock, sock, logs = _tk([lambda n: reply(T, n)], rtc)
    tk.wifi = wifi = _Wifi()

    async def main():
        tk.poll()  # due at boot, but Wi-Fi is down: nothing asked, no task
        tk.poll()
        assert not tk._asking and sock.sent == []
        wifi.online = True
        tk.poll()  # up: asked at once, not at the next hourly due time
        assert tk._asking
        tk.poll()  # one exchange at a time
        await _asked(tk)
        assert len(sock.sent) == 1 and clock.name == "sntp" and clock.now() == T
        assert rtc.sets == [civil(T)]  # written after the strong sync
        sock.ticks.advance(3599000)
        tk.poll()
        assert not tk._asking and len(sock.sent) == 1  # not due before the hour

    asyncio.run(main())


def test_the_monitor_asks_again_sooner_after_a_failure_then_hourly():
    tk, clock, sock, logs = _tk([None, lambda n: reply(T, n), lambda n: reply(T + 3600, n)])

    async def main():
        tk.poll()  # no wifi object: always online
        await _asked(tk)  # no answer within 3 s: retry in 5 s
        assert len(sock.sent) == 1 and not clock.synced
        sock.ticks.advance(4900)
        tk.poll()
        assert not tk._asking
        sock.ticks.advance(100)
        tk.poll()
        await _asked(tk)
        assert len(sock.sent) == 2 and clock.now() == T
        sock.ticks.advance(3599900)
        tk.poll()
        assert not tk._asking and len(sock.sent) == 2
        sock.ticks.advance(100)
        tk.poll()
        await _asked(tk)
        assert len(sock.sent) == 3 and clock.now() == T + 3600

    asyncio.run(main())


def test_sntp_failing_on_a_full_heap_is_a_retry_not_a_dead_task():
    # The failure may be the heap's: the line with its details may not fit either, and its
    # MemoryError ended the task (the app took that for a crash); a short constant line now.
    t = FakeTicks()
    log = OomLog("time: SNTP pool.ntp.org failed (")
    tk = TimeKeeper(Clock(t), None, "pool.ntp.org", None, log, FakeSocketModule(t, [None]))
    tk.poll_ms = 1
    assert asyncio.run(tk.step()) == 5000  # no answer: retried, as with room for the line
    assert log.lines == ["time: SNTP failed (out of memory for the details); retrying"]
    assert tk.failures == 1 and tk.key is None
