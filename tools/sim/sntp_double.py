"""The simulated board's time server: an SNTP double (RFC 4330) on 127.0.0.1, host-only.

The simulated board has no internet: the runner points its `board.ntp_server` here (see
tools/sim/run.py), so the firmware's time service (firmware/timekeeper.py) is tested end to
end over a real UDP socket. Controls: `offset_s` (answer the host's time plus this), `silent`
(drop requests, as an unreachable server), `requests` (how many arrived).

    with SntpDouble() as d:
        board_config["board"]["ntp_server"] = d.address   # "127.0.0.1:PORT"
"""

import socket
import threading
import time

NTP_UNIX = 2208988800  # seconds from 1900-01-01 to 1970-01-01


def answer(request, now):
    """The server reply to a client request at Unix time now (float); None for anything that
    is not a client request (mode 3)."""
    if len(request) < 48 or request[0] & 7 != 3:
        return None
    secs = int(now) + NTP_UNIX
    frac = int((now % 1) * (1 << 32))
    stamp = (secs & 0xFFFFFFFF).to_bytes(4, "big") + frac.to_bytes(4, "big")
    b = bytearray(48)
    b[0] = 0 << 6 | 4 << 3 | 4  # LI 0, version 4, mode 4 (server)
    b[1] = 2  # stratum 2: synchronized to a stratum-1 server
    b[2], b[3] = request[2], 0xEC  # poll copied, precision ~2^-20 s
    b[12:16] = b"LOCL"
    b[16:24] = stamp  # reference
    b[24:32] = request[40:48]  # originate: the client's transmit timestamp, echoed
    b[32:40] = stamp  # receive
    b[40:48] = stamp  # transmit
    return bytes(b)


class SntpDouble:
    def __init__(self, offset_s=0, silent=False):
        self.offset_s = offset_s
        self.silent = silent
        self.requests = 0
        self._sock = None
        self._thread = None
        self.port = None

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

    def start(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self):
        s = self._sock
        while s is self._sock:
            try:
                data, peer = s.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            self.requests += 1
            reply = None if self.silent else answer(data, time.time() + self.offset_s)
            if reply is not None:
                try:
                    s.sendto(reply, peer)
                except OSError:
                    pass

    def stop(self):
        s, self._sock = self._sock, None
        if s is not None:
            s.close()
        if self._thread is not None:
            self._thread.join(2)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
