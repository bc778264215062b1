"""A small TCP forwarder for the tests: ``python -m tests.tcp_forward LISTEN TARGET [...]``
where LISTEN and TARGET are ``host:port``. Each pair forwards connections made to LISTEN to
TARGET. Killing the process cuts every connection at once — a broker outage as the clients
see it — and starting it again on the same address brings the broker back. In the multi-host
harness it makes the machine's services (which listen on 127.0.0.1 only) reachable at the
"db host" address of a simulated network, and the services see their clients on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

CHUNK = 65536


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


def _handler(target: tuple[str, int]):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        except OSError:
            writer.close()
            return
        with contextlib.suppress(asyncio.CancelledError):  # the forwarder is stopping
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))

    return handle


async def main(pairs: list[tuple[str, str]]) -> None:
    servers = []
    for listen, target in pairs:
        host, port = _address(listen)
        server = await asyncio.start_server(_handler(_address(target)), host, port)
        servers.append(server)
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not arguments or len(arguments) % 2:
        sys.exit("usage: python -m tests.tcp_forward LISTEN TARGET [LISTEN TARGET ...]")
    asyncio.run(main(list(zip(arguments[::2], arguments[1::2], strict=True))))
