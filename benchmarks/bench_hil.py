"""The emulator at the line rate, honestly: throughput against a 115200-baud line's capacity.

The emulator paces its pty like a UART at 115200 baud 8N1 (``baudrate=115200``:
a request is answered once its last byte would have arrived, reply bytes leave
at one per 86.8 µs), so nothing can beat the line; the question is how much of
the line's capacity a client gets. Reference in the same run: the capacity of
the line for exactly the bytes moved (11,520 bytes/s each way).

Workloads (the J100UC driver over ``hil.transport.Transport``):

* suite: what a reading round does: the network table, then per module its
  counters, status, events and a 5-day hourly profile (paged, 120 hours per
  reply), request after reply; the line carries one direction at a time, so
  its capacity is (request + reply bytes) / 11,520 B/s;
* profile download: 120-hour profile pages back to back, request after reply;
* pipelined: READ_COUNTERS frames written 4 ahead of their replies (the
  protocol allows 4 outstanding requests): the reply direction is the limit.

The emulator runs in its own process, as ``balance-twin task=emulate`` does
(in the client's process the two would share one interpreter lock). Target:
throughput >= 95 % of the line's capacity. Also the emulator unpaced (its own
speed, for reference).

Usage:
    python benchmarks/bench_hil.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import select
import time
from contextlib import contextmanager

from hil.bench import default_device
from hil.codec import CodecV1, Frame
from hil.codec import commands as c
from hil.drivers.j100uc import J100UC
from hil.emulator import EmuClock, EmulatorServer
from hil.transport import Transport

BAUD = 115200
LINE_BYTES_PER_S = BAUD / 10.0


class Counting:
    """Counts the bytes a transport moves (TX written, RX read)."""

    def __init__(self, transport: Transport) -> None:
        self.transport, self.tx, self.rx = transport, 0, 0
        write, read = transport._write, transport._read_some

        def _write(raw: bytes, summary: str) -> None:
            self.tx += len(raw)
            write(raw, summary)

        def _read() -> bytes:
            data = read()
            self.rx += len(data)
            return data

        transport._write, transport._read_some = _write, _read


def suite_round(drv: J100UC, table, t_end: int) -> None:
    """One reading round of every module (what a head-end does each day)."""
    for entry in table:
        drv.read_counters(entry.index)
        drv.read_status(entry.index)
        drv.read_events(entry.index)
        drv.read_profile(entry.index, 0, t_end - 5 * 86400, t_end)


def measure(server, job) -> tuple[float, int, int]:
    """Runs ``job(driver)``; returns (seconds, bytes sent, bytes received)."""
    transport = Transport(server.url, timeout_s=0.5)
    counting = Counting(transport)
    drv = J100UC(transport)
    try:
        start = time.perf_counter()
        job(drv)
        took = time.perf_counter() - start
    finally:
        transport.close()
    return took, counting.tx, counting.rx


def pipelined(server, n: int, window: int = 4) -> tuple[float, int, int]:
    """READ_COUNTERS to module 1, ``window`` requests ahead; returns (seconds, bytes out, reply bytes in)."""
    codec = CodecV1()
    frames = [codec.encode(Frame(1, c.READ_COUNTERS, 20_000 + k, b"\xff")) for k in range(n)]
    fd = os.open(server.url, os.O_RDWR | os.O_NOCTTY)
    decoder, got, sent, rx = codec.decoder(), 0, 0, 0
    try:
        start = time.perf_counter()
        while got < n:
            while sent < n and sent - got < window:
                os.write(fd, frames[sent])
                sent += 1
            ready, _, _ = select.select([fd], [], [], 2.0)
            if not ready:
                raise RuntimeError(f"pipelined: stalled after {got} replies")
            data = os.read(fd, 65536)
            rx += len(data)
            got += sum(isinstance(x, Frame) for x in decoder.feed(data))
        took = time.perf_counter() - start
    finally:
        os.close(fd)
    return took, sum(map(len, frames)), rx


def _serve(baud: int, conn) -> None:
    """Child process: serves the emulator on a pty until told to stop."""
    device = default_device(42, clock=EmuClock(), history_h=240)
    with EmulatorServer(device, "pty", baudrate=baud) as server:
        conn.send((server.url, int(device.unix_time())))
        conn.recv()


@contextmanager
def emulator_process(baud: int):
    """(url, device clock) of an emulator served by a child process."""
    parent, child = mp.Pipe()
    proc = mp.get_context("fork").Process(target=_serve, args=(baud, child), daemon=True)
    proc.start()
    try:
        yield parent.recv()
    finally:
        parent.send("stop")
        proc.join(10)


class _Url:
    def __init__(self, url: str) -> None:
        self.url = url


def main() -> None:
    """Prints every workload's throughput against the line's capacity."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for baud in (BAUD, 0):
        with emulator_process(baud) as (url, t_end):
            server = _Url(url)
            table = J100UC(Transport(server.url)).network_table()
            reachable = [e for e in table if e.hops != 255]

            def suite(drv: J100UC) -> None:
                drv.network_table()
                for _ in range(args.rounds):
                    suite_round(drv, reachable, t_end)

            def download(drv: J100UC) -> None:
                for _ in range(args.rounds):
                    for e in reachable:
                        drv.read_profile(e.index, 0, t_end - 240 * 3600, t_end)

            for name, job in (("suite (reading round, request after reply)", suite),
                              ("profile download (120-hour pages)", download)):
                took, tx, rx = measure(server, job)
                line_s = (tx + rx) / LINE_BYTES_PER_S
                rows.append((baud, name, tx, rx, took, line_s / took))
            took, tx, rx = pipelined(server, 400 * args.rounds)
            rows.append((baud, "pipelined READ_COUNTERS (4 ahead)", tx, rx, took, max(tx, rx) / LINE_BYTES_PER_S / took))
    print(f"line: {BAUD} baud 8N1 = {LINE_BYTES_PER_S:,.0f} bytes/s each way; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'emulator':<10} {'workload':<45} {'bytes out':>10} {'bytes in':>10} {'s':>7} {'of line':>8}")
    for baud, name, tx, rx, took, ratio in rows:
        label = f"{baud} Bd" if baud else "unpaced"
        print(f"{label:<10} {name:<45} {tx:>10,} {rx:>10,} {took:>7.2f} {ratio:>7.1%}")
    paced = [r for r in rows if r[0] == BAUD]
    unpaced = {r[1]: r[4] for r in rows if r[0] == 0}
    for _, name, tx, rx, took, _ in paced:   # what the line alone would take plus the measured processing
        if "pipelined" in name:
            continue                         # (processing overlaps the line there)
        line_s = (tx + rx) / LINE_BYTES_PER_S
        print(f"  {name}: line {line_s:.2f} s + processing measured unpaced {unpaced[name]:.2f} s "
              f"-> expected {line_s / (line_s + unpaced[name]):.1%}, measured {line_s / took:.1%}")
    print(f"target: paced throughput >= 95 % of the line; worst paced workload {min(r[5] for r in paced):.1%}")


if __name__ == "__main__":
    main()
