"""Can the emulator keep up with a 115200-baud line? Frames per second against the line's capacity.

A pty has no baud rate, so the emulator's own speed shows. Reference in the
same run: the line capacity of 115200 baud (8N1, 10 bits per byte, 11,520
bytes/s) for the same request and reply sizes. Two clients:

* request/reply: the driver waits for each reply (what QA's tests do);
* pipelined: raw request frames written back to back, replies counted.

Target: at least 80 % of the line rate in frames (ratio >= 0.8).

Usage:
    python benchmarks/bench_hil.py [--requests 3000]
"""

from __future__ import annotations

import argparse
import os
import select
import time

from hil.bench import default_device
from hil.codec import CodecV1, Frame
from hil.codec import commands as c
from hil.drivers.j100uc import J100UC
from hil.emulator import EmulatorServer
from hil.transport import Transport

LINE_BYTES_PER_S = 115200 / 10.0


def _line_exchanges_per_s(request: bytes, reply: bytes) -> float:
    return LINE_BYTES_PER_S / (len(request) + len(reply))


def main() -> None:
    """Prints exchanges per second, bytes per second and the ratio to the line rate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    device = default_device(42)
    codec = CodecV1()
    module = 1
    with EmulatorServer(device, "pty") as server:
        transport = Transport(server.url, timeout_s=0.5)
        driver = J100UC(transport)
        driver.read_counters(module)
        request = codec.encode(Frame(module, c.READ_COUNTERS, 1, c.ReadCountersRequest(c.ALL_CHANNELS).pack()))
        reply = codec.encode(device.handle(Frame(module, c.READ_COUNTERS, 60000,
                                                 c.ReadCountersRequest(c.ALL_CHANNELS).pack())))
        line = _line_exchanges_per_s(request, reply)
        start = time.perf_counter()
        for _ in range(args.requests):
            driver.read_counters(module)
        rr = args.requests / (time.perf_counter() - start)
        transport.close()
        # Pipelined: write every request at once through the pty, read every reply.
        fd = os.open(server.url, os.O_RDWR | os.O_NOCTTY)
        try:
            frames = b"".join(codec.encode(Frame(module, c.READ_COUNTERS, (k % 60000) + 1,
                                                 c.ReadCountersRequest(c.ALL_CHANNELS).pack()))
                              for k in range(args.requests))
            decoder = codec.decoder()
            got, sent = 0, 0
            start = time.perf_counter()
            while got < args.requests:
                if sent < len(frames):
                    sent += os.write(fd, frames[sent:sent + 4096])
                ready, _, _ = select.select([fd], [], [], 2.0)
                if not ready:
                    break
                got += sum(isinstance(x, Frame) for x in decoder.feed(os.read(fd, 65536)))
            pipelined = got / (time.perf_counter() - start)
        finally:
            os.close(fd)
    size = len(request) + len(reply)
    print(f"READ_COUNTERS: request {len(request)} B + reply {len(reply)} B; 115200 baud line capacity "
          f"{line:.0f} exchanges/s ({LINE_BYTES_PER_S:.0f} B/s)")
    print(f"request/reply over the pty: {rr:,.0f} exchanges/s ({rr * size:,.0f} B/s) = {rr / line:.1f}x the line rate")
    print(f"pipelined over the pty:     {pipelined:,.0f} exchanges/s ({pipelined * size:,.0f} B/s) = "
          f"{pipelined / line:.1f}x the line rate")
    print(f"target: >= 0.8x the line rate; worst ratio {min(rr, pipelined) / line:.1f}x")


if __name__ == "__main__":
    main()
