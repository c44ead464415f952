#!/usr/bin/env python3
"""A deliberately slow HTTP/1.1 keep-alive server, for checking bench/loadgen/openloop and for the
soak's failing upstream (bench/soak.sh). Standard library only.

  slow_server.py --port N [--service-ms MS] [--stall-every S --stall-ms MS] [--body BYTES]

Every request is served by one worker at a time (a lock), taking --service-ms: capacity is
1000 / service-ms requests per second whatever the number of connections. With --stall-every, the
whole server stops answering for --stall-ms at the start of every period of S seconds (a GC pause,
a lock held too long). Paths:
  /slow?ms=N   answers after N ms (outside the lock: N ms of latency, no capacity limit)
  /fail        closes the connection without an answer
  anything else: 200 with a body of --body bytes
Prints "listening PORT" on stdout once it accepts connections.
"""
import argparse
import asyncio
import time

args = None
lock = None
t0 = time.monotonic()


async def stall():
    if args.stall_every > 0:
        phase = (time.monotonic() - t0) % args.stall_every
        if phase < args.stall_ms / 1000.0:
            await asyncio.sleep(args.stall_ms / 1000.0 - phase)


async def handle(reader, writer):
    body = b"x" * args.body
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            path, _, query = target.partition("?")
            await stall()
            if path.endswith("/fail"):
                writer.transport.abort()
                return
            if path.endswith("/slow"):
                ms = 100
                for kv in query.split("&"):
                    k, _, v = kv.partition("=")
                    if k == "ms" and v.isdigit():
                        ms = int(v)
                await asyncio.sleep(ms / 1000.0)
            elif args.service_ms > 0:
                async with lock:
                    # Busy for service_ms: one request at a time.
                    await asyncio.sleep(args.service_ms / 1000.0)
            payload = b"" if method == "HEAD" else body
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body) + payload)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main():
    global lock
    lock = asyncio.Lock()
    server = await asyncio.start_server(handle, "127.0.0.1", args.port, backlog=1024)
    print("listening", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--service-ms", type=float, default=0)
    p.add_argument("--stall-every", type=float, default=0)
    p.add_argument("--stall-ms", type=float, default=0)
    p.add_argument("--body", type=int, default=64)
    args = p.parse_args()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
