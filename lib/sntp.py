# SNTP (RFC 4330) and calendar arithmetic for the board's time service (firmware/timekeeper.py),
# which loads this module for a query or an RTC read/write and drops it after: request() and
# unix_time() are the messages, query() one exchange over an injected socket module, civil()
# and unix() the RTC's date tuples.
import asyncio

_NTP_UNIX = 2208988800  # seconds from 1900-01-01 (NTP era 0) to 1970-01-01


def request(nonce):
    """The 48-byte client request: LI 0, version 4, mode 3 (client). nonce (int < 2^32) goes
    in the transmit timestamp: the server echoes it as the originate timestamp (RFC 4330 §5),
    which ties the answer to this request."""
    b = bytearray(48)
    b[0] = 0x23
    b[40:44] = nonce.to_bytes(4, "big")
    return b


def unix_time(reply, nonce):
    """Unix seconds (int, rounded) from a server reply to request(nonce). ValueError naming
    the fault for anything not a usable answer: short, not from a server, unsynchronized
    (LI 3 or stratum 0: the kiss-o'-death), another request's answer, or a zero time."""
    if len(reply) < 48:
        raise ValueError("short reply (%d bytes)" % len(reply))
    if reply[0] & 7 != 4:
        raise ValueError("not a server reply (mode %d)" % (reply[0] & 7))
    if reply[0] >> 6 == 3 or not 0 < reply[1] < 16:
        raise ValueError("server not synchronized (stratum %d)" % reply[1])
    if int.from_bytes(reply[24:28], "big") != nonce:
        raise ValueError("answer to another request")
    secs = int.from_bytes(reply[40:44], "big")
    if not secs:
        raise ValueError("zero transmit time")
    if secs < 0x80000000:  # era 1 begins 2036-02-07: the MSB is 0 again
        secs += 0x100000000
    return secs - _NTP_UNIX + (reply[44] >> 7)


def civil(t):
    """Unix seconds -> (year, month, day, weekday 0=Monday, hour, minute, second), UTC;
    days-from-civil arithmetic, so no port's epoch or local time gets in the way."""
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
    return (yoe + era * 400 + (month <= 2), month, day, wd, s // 3600, s // 60 % 60, s % 60)


def unix(y, mo, d, h=0, mi=0, s=0):
    """(year, month, day, hour, minute, second) UTC -> Unix seconds (inverse of civil)."""
    y -= mo <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (mo - 3 if mo > 2 else mo + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return (era * 146097 + doe - 719468) * 86400 + h * 3600 + mi * 60 + s


def parse_server(text):
    """'host' or 'host:port' -> (host, port); the default port is 123."""
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    return (host, int(port)) if port else (text, 123)


async def query(sock, addr, clock, timeout_ms=3000, poll_ms=50):
    """One SNTP exchange with addr (from sock.getaddrinfo) over a non-blocking UDP socket:
    Unix seconds. OSError (network, no answer within timeout_ms) or ValueError (a bad answer).
    sock: the socket module; clock: lib/clock.Clock (its ticks time the wait)."""
    import os

    nonce = int.from_bytes(os.urandom(4), "big")
    s = sock.socket(sock.AF_INET, sock.SOCK_DGRAM)
    try:
        s.setblocking(False)
        s.sendto(request(nonce), addr)
        t0 = clock.ticks_ms()
        while True:
            try:
                reply = s.recv(64)
            except OSError as e:  # EAGAIN (11): nothing yet, as a non-blocking recv on the
                if e.args[0] != 11:  # ports (ports/esp32/modsocket.c, extmod/modlwip.c)
                    raise
                if clock.since(t0) >= timeout_ms:
                    raise OSError("no answer within %d ms" % timeout_ms) from None
                f = getattr(asyncio, "sleep_ms", None)  # CPython (tests) has only sleep(s)
                await (f(poll_ms) if f else asyncio.sleep(poll_ms / 1000))
                continue
            try:
                return unix_time(reply, nonce)
            except ValueError as e:
                if str(e) != "answer to another request":
                    raise  # a late answer to an earlier try: keep listening
    finally:
        s.close()
