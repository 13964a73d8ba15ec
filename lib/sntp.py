# SNTP (RFC 4330) and the RTC's calendar arithmetic for the board's time service
# (firmware/timekeeper.py), which loads this module for a query or an RTC read/write and drops
# it after: request() and unix_time() are the messages, query() one exchange over an injected
# socket module, civil() and unix() convert to and from the RTC's date tuples. (Argument names
# reuse MicroPython's built-in names: every new identifier costs RAM on the board.)
import asyncio


def request(n):
    """The 48-byte client request: LI 0, version 4, mode 3 (client). n (int < 2^32), a nonce,
    goes in the transmit timestamp: the server echoes it as the originate timestamp (RFC 4330
    §5), which ties the answer to this request."""
    b = bytearray(48)
    b[0] = 0x23
    b[40:44] = n.to_bytes(4, "big")
    return b


def unix_time(data, n):
    """Unix seconds (int, rounded) from a server reply `data` to request(n). ValueError
    naming the fault for anything not a usable answer: short, not from a server,
    unsynchronized (LI 3 or stratum 0: the kiss-o'-death), another request's answer, or a
    zero time."""
    if len(data) < 48:
        raise ValueError("short reply (%d bytes)" % len(data))
    if data[0] & 7 != 4:
        raise ValueError("not a server reply (mode %d)" % (data[0] & 7))
    if data[0] >> 6 == 3 or not 0 < data[1] < 16:
        raise ValueError("server not synchronized (stratum %d)" % data[1])
    if int.from_bytes(data[24:28], "big") != n:
        raise ValueError("answer to another request")
    t = int.from_bytes(data[40:44], "big")
    if not t:
        raise ValueError("zero transmit time")
    if t < 0x80000000:  # era 1 begins 2036-02-07: the MSB is 0 again
        t += 0x100000000
    return t - 2208988800 + (data[44] >> 7)  # NTP counts from 1900-01-01


def civil(t):
    """Unix seconds -> the RTC's (year, month, day, weekday 0=Monday, hour, minute, second,
    0), UTC: days-from-civil arithmetic, so no port's epoch or local time gets in the way."""
    d, s = divmod(t, 86400)
    wd = (d + 3) % 7
    d += 719468
    era = d // 146097
    doe = d - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return (yoe + era * 400 + (month <= 2), month, day, wd, s // 3600, s // 60 % 60, s % 60, 0)


def unix(t):
    """The RTC's (year, month, day, weekday, hour, minute, second, ...) UTC -> Unix seconds
    (the inverse of civil)."""
    y = t[0] - (t[1] <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (t[1] - 3 if t[1] > 2 else t[1] + 9) + 2) // 5 + t[2] - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return (era * 146097 + doe - 719468) * 86400 + t[4] * 3600 + t[5] * 60 + t[6]


async def query(socket, key, clock, timeout=3000, poll_ms=50):
    """One SNTP exchange with the address `key` (from socket.getaddrinfo) over a
    non-blocking UDP socket: Unix seconds. OSError (network; no answer within timeout ms) or
    ValueError (a bad answer). socket: the socket module; clock: lib/clock.Clock (its ticks
    time the wait)."""
    import os

    n = int.from_bytes(os.urandom(4), "big")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setblocking(False)
        s.sendto(request(n), key)
        t = clock.ticks_ms()
        while True:
            try:
                data = s.recv(64)
            except OSError as e:  # EAGAIN (11): nothing yet, as a non-blocking recv on the
                if e.args[0] != 11:  # ports (ports/esp32/modsocket.c, extmod/modlwip.c)
                    raise
                if clock.since(t) >= timeout:
                    raise OSError("no answer within %d ms" % timeout) from None
                f = getattr(asyncio, "sleep_ms", None)  # CPython (tests) has only sleep(s)
                await (f(poll_ms) if f else asyncio.sleep(poll_ms / 1000))
                continue
            try:
                return unix_time(data, n)
            except ValueError as e:
                if str(e) != "answer to another request":
                    raise  # a late answer to an earlier try: keep listening
    finally:
        s.close()
