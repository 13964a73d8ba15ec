# Minimal RFC 6455 WebSocket client over asyncio streams, for MicroPython and CPython.
# ws:// and wss:// (SNI, optional CA check), masked client frames, fragments reassembled,
# pings answered, a size cap enforced before allocating, and no wait without a timeout
# except the idle wait for the next frame (recv(timeout) bounds that too).
import asyncio
import os

from ws_frame import close_payload, encode, parse_close
from ws_handshake import ConnectionClosed, HandshakeError, handshake, parse_url

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


_OP_CONT = const(0)
_OP_TEXT = const(1)
_OP_BINARY = const(2)
_OP_CLOSE = const(8)
_OP_PING = const(9)
_OP_PONG = const(10)
_NO_STATUS = const(1005)
_LOST = const(1006)
_PROTOCOL = const(1002)


async def connect(url, headers=None, timeout=10, max_size=4096, cadata=None,
                  server_hostname=None, ssl=None):
    """Open a WebSocket; raises HandshakeError (with the reason) on any failure.

    headers: dict or (name, value) pairs added to the upgrade request. timeout (s) covers
    DNS, TCP, TLS and the upgrade. server_hostname overrides the SNI/certificate name.
    """
    tls, host, port, path = parse_url(url)
    if tls and ssl is None:
        from ws_tls import ssl_context  # only wss:// pays for it

        ssl = ssl_context(cadata)
    ws = WebSocket(max_size)
    try:
        await asyncio.wait_for(ws._open(host, port, path, headers, ssl if tls else None,
                                        server_hostname or host), timeout)
    except asyncio.TimeoutError:
        ws.abort()
        raise HandshakeError("no WebSocket upgrade within %s s" % timeout) from None
    except HandshakeError:
        ws.abort()
        raise
    except (OSError, EOFError, ValueError) as e:
        ws.abort()
        raise HandshakeError("%s: %s" % (type(e).__name__, e)) from None
    return ws


class WebSocket:
    """A client connection made by connect(). One task may be in recv() at a time.

    Knobs (class attributes, seconds): read_timeout bounds the rest of a frame once its
    first bytes arrived, write_timeout a send, close_timeout the closing handshake.
    """

    read_timeout = 10
    write_timeout = 10
    close_timeout = 5
    decode_text = True  # text messages as str; False gives bytes (what the codec wants)

    def __init__(self, max_size=4096):
        self.max_size = max_size
        self.on_pong = None  # callable(payload bytes), for the keep-alive owner
        self.closed = False
        self.close_code = None
        self.close_reason = ""
        self.response_headers = None
        self._r = self._w = None
        self._close_sent = False
        self._reading = False
        self._done = asyncio.Event()
        self._lock = asyncio.Lock()

    async def _open(self, host, port, path, headers, ssl, sni):
        if ssl is None:
            self._r, self._w = await asyncio.open_connection(host, port)
        else:
            self._r, self._w = await asyncio.open_connection(host, port, ssl=ssl,
                                                             server_hostname=sni)
        self.response_headers = await handshake(self._r, self._w, host, port, path, headers)

    # -- receiving --------------------------------------------------------------------
    async def recv(self, timeout=None):
        """Next message: str for text (bytes if decode_text is False), bytes for binary.

        Control frames are handled on the way. No message within timeout (s), a close,
        a protocol error or a lost link -> ConnectionClosed, and the link is closed.
        """
        if self.closed:
            raise ConnectionClosed(self.close_code, self.close_reason)
        self._reading = True
        try:
            if timeout is None:
                return await self._recv()
            return await asyncio.wait_for(self._recv(), timeout)
        except asyncio.TimeoutError:
            self._gone(_LOST, "no message within %s s" % timeout)
        except (OSError, EOFError) as e:
            self._gone(_LOST, "connection lost (%s)" % (e,))
        finally:
            self._reading = False

    async def _read(self, n, timeout=None):
        # Exactly n bytes; with a timeout, the rest of a started frame must come in time.
        if timeout is not None:
            try:
                return await asyncio.wait_for(self._read(n), timeout)
            except asyncio.TimeoutError:
                self._gone(_LOST, "frame stalled for %s s" % timeout)
        r = self._r
        if not hasattr(r, "readinto"):  # CPython StreamReader
            return await r.readexactly(n)
        buf = bytearray(n)  # MicroPython: one buffer filled in place, not grown by +=
        mv = memoryview(buf)
        got = 0
        while got < n:
            k = await r.readinto(mv[got:])
            if k is None:
                continue  # TLS record not complete yet
            if not k:
                raise EOFError("EOF after %d of %d bytes" % (got, n))
            got += k
        return buf

    async def _recv(self):
        msg = None  # bytearray of a fragmented message being reassembled
        msg_op = 0
        t = self.read_timeout
        while True:
            hdr = await self._r.readexactly(2)
            b0, b1 = hdr[0], hdr[1]
            fin, op, n = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
            if b0 & 0x70:
                await self._fail(_PROTOCOL, "reserved bits set")
            if b1 & 0x80:
                await self._fail(_PROTOCOL, "masked frame from the server")
            if n == 126:
                n = int.from_bytes(await self._read(2, t), "big")
            elif n == 127:
                n = int.from_bytes(await self._read(8, t), "big")
                if n >> 63:
                    await self._fail(_PROTOCOL, "64-bit length with the top bit set")
            if op >= 8:  # control frame, may come between fragments
                if not fin or n > 125:
                    await self._fail(_PROTOCOL, "fragmented or oversize control frame")
                payload = bytes(await self._read(n, t)) if n else b""
                if op == _OP_PING:
                    if not self._close_sent:
                        await self._send(_OP_PONG, payload)
                elif op == _OP_PONG:
                    if self.on_pong is not None:
                        self.on_pong(payload)
                elif op == _OP_CLOSE:
                    try:
                        code, reason = parse_close(payload)
                    except ValueError as e:
                        await self._fail(_PROTOCOL, str(e))
                    if not self._close_sent:  # echo the code, then drop the link
                        try:
                            await self._send(_OP_CLOSE, close_payload(code)
                                             if code != _NO_STATUS else b"")
                        except (OSError, ConnectionClosed):
                            pass
                    self._gone(code, reason or "closed by the server")
                else:
                    await self._fail(_PROTOCOL, "unknown opcode %d" % op)
                continue
            if op == _OP_CONT:
                if msg is None:
                    await self._fail(_PROTOCOL, "continuation without a message")
            elif op == _OP_TEXT or op == _OP_BINARY:
                if msg is not None:
                    await self._fail(_PROTOCOL, "new message inside a fragmented one")
                msg_op = op
            else:
                await self._fail(_PROTOCOL, "unknown opcode %d" % op)
            total = n + (len(msg) if msg is not None else 0)
            if total > self.max_size:
                # Refused before reading: the payload is never allocated.
                await self._fail(1009, "message of %d%s bytes exceeds %d" % (
                    total, "" if fin else "+", self.max_size))
            data = await self._read(n, t) if n else b""
            if msg is not None:
                msg.extend(data)
                data = msg
            elif not fin:
                msg = bytearray(data)
            if fin:
                if msg_op == _OP_TEXT and self.decode_text:
                    try:
                        return str(data, "utf-8")
                    except UnicodeError:
                        await self._fail(1007, "text message is not UTF-8")
                return data if isinstance(data, bytes) else bytes(data)

    async def _fail(self, code, reason):
        # We end the connection because of what the server sent.
        try:
            await self._send(_OP_CLOSE, close_payload(code))
        except (OSError, ConnectionClosed):
            pass
        self._gone(code, reason)

    def _gone(self, code, reason):
        self.abort(code, reason)
        raise ConnectionClosed(code, reason)

    # -- sending ----------------------------------------------------------------------
    async def send(self, data):
        """Send a text (str) or binary (bytes/bytearray) message as one masked frame."""
        if isinstance(data, str):
            await self._send(_OP_TEXT, data.encode())
        else:
            await self._send(_OP_BINARY, data)

    async def ping(self, payload=b""):
        await self._send(_OP_PING, payload)

    async def _send(self, op, payload):
        if self.closed or (self._close_sent and op != _OP_CLOSE):
            raise ConnectionClosed(self.close_code or _LOST, "already closing")
        frame = encode(op, payload, os.urandom(4))
        if op == _OP_CLOSE:
            self._close_sent = True
        async with self._lock:  # two drains at once would trip MicroPython's IO queue
            try:
                self._w.write(frame)
                await asyncio.wait_for(self._w.drain(), self.write_timeout)
            except asyncio.TimeoutError:
                why = "send timed out"
            except (OSError, EOFError) as e:
                why = "send failed (%s)" % (e,)
            else:
                return
        self._gone(_LOST, why)

    # -- closing ----------------------------------------------------------------------
    async def close(self, code=1000, reason=""):
        """Closing handshake: send close, wait (close_timeout) for the server's, drop the link.

        If another task is inside recv(), that task sees the server's close frame.
        """
        if self.closed:
            return
        try:
            if not self._close_sent:
                await self._send(_OP_CLOSE, close_payload(code, reason))
            if self._reading:
                await asyncio.wait_for(self._done.wait(), self.close_timeout)
            else:
                for _ in range(16):  # messages after our close are dropped
                    await asyncio.wait_for(self._recv(), self.close_timeout)
        except (asyncio.TimeoutError, OSError, EOFError, ConnectionClosed):
            pass
        self.abort(code, reason)

    def abort(self, code=_LOST, reason="aborted"):
        """Drop the TCP connection now (no handshake). Safe to call more than once.
        On MicroPython, cancel tasks waiting on this socket first."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self.close_reason = reason
        w = self._w
        if w is not None:
            try:
                if hasattr(w, "transport"):  # CPython
                    w.transport.abort()
                else:
                    w.s.close()
            except (OSError, AttributeError):
                pass
        self._done.set()
