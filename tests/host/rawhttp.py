"""A scripted HTTP server on 127.0.0.1 (own thread): answers each path with fixed bytes,
or hangs, or closes; records every request it read. For the HTTP client tests."""

import asyncio
import ssl
import threading


class RawServer:
    def __init__(self, routes, tls_cert=None):
        self.routes = routes  # path -> bytes | "hang" | "close" | callable(req) -> bytes
        self.requests = []  # (head: bytes, body: bytes)
        self.tls_cert = tls_cert  # (certfile, keyfile) or None
        self.port = None
        self._ready = threading.Event()
        self._stop = None
        self._loop = None

    async def _handle(self, reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            self.requests.append((head, body))
            path = head.split(b" ")[1].decode()
            action = self.routes.get(path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            if callable(action):
                action = action(head, body)
            if action == "hang":
                await self._stop.wait()  # until the server stops
            elif action != "close":
                writer.write(action)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _main(self):
        ctx = None
        if self.tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self.tls_cert)
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=ctx)
        self.port = server.sockets[0].getsockname()[1]
        self._stop = asyncio.Event()
        self._ready.set()
        async with server:
            await self._stop.wait()

    def __enter__(self):
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    async def _run(self):
        self._loop = asyncio.get_running_loop()
        await self._main()

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
