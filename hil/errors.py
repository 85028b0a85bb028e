"""Errors of the hardware-in-the-loop client side (transport, drivers, rig).

Every error is an :class:`~scenarios.errors.InputError` (the command line
prints it and exits with code 2) whose message is ONE line that names the
port and says what was expected, e.g.::

    serial port /dev/ttyUSB9: does not exist
    serial port /dev/ttyUSB0: sent READ_COUNTERS to module 12, no reply within 0.5 s after 3 tries
    serial port /dev/ttyUSB0: sent IDENTIFY to address 0, it answered 40 bytes that are not frames (expected a BALANCE v1 reply)
    serial port /dev/ttyUSB0: sent RELAY to module 12, it answered NAK unknown_address (0x04)

The fields used to build the message are kept as attributes for programs.
"""

from __future__ import annotations

from scenarios.errors import InputError


def _one_line(text: str) -> str:
    """Collapses whitespace runs (newlines included) into single spaces."""
    return " ".join(str(text).split())


class HilError(InputError):
    """Base class: something went wrong talking to a device on a port.

    Args:
        port: The port URL or device path (``/dev/ttyUSB0``, ``socket://h:p``).
        detail: What happened and what was expected.
    """

    def __init__(self, port: str, detail: str) -> None:
        self.port = port
        self.detail = _one_line(detail)
        super().__init__(f"serial port {port}: {self.detail}")


class PortNotFound(HilError):
    """The port cannot be opened (no such device, connection refused, ...).

    Args:
        port: The port URL or device path.
        reason: Why, default ``"does not exist"``.
    """

    def __init__(self, port: str, reason: str = "does not exist") -> None:
        self.reason = reason
        super().__init__(port, reason)


class PortLost(PortNotFound):
    """The port vanished during a request and did not come back in time.

    Args:
        port: The port URL or device path.
        reconnect_s: How long reopening was tried.
        cause: The error that closed the port.
    """

    def __init__(self, port: str, reconnect_s: float, cause: str = "") -> None:
        self.reconnect_s = reconnect_s
        why = f" ({_one_line(cause)})" if cause else ""
        super().__init__(
            port, f"vanished{why} and did not come back within {reconnect_s:g} s"
        )


class NoAnswer(HilError):
    """No matching reply after all tries.

    Args:
        port: The port URL or device path.
        request: Name of the request (``"READ_COUNTERS"``).
        target: Who it was sent to (``"module 12"``).
        timeout_s: How long each try waited.
        tries: How many times the request was sent.
    """

    def __init__(
        self, port: str, request: str, target: str, timeout_s: float, tries: int
    ) -> None:
        self.request = request
        self.target = target
        self.timeout_s = timeout_s
        self.tries = tries
        plural = "try" if tries == 1 else "tries"
        super().__init__(
            port,
            f"sent {request} to {target}, no reply within {timeout_s:g} s "
            f"after {tries} {plural}",
        )


class Garbage(NoAnswer):
    """Only bytes that are not replies came back (a :class:`NoAnswer` too).

    Args:
        port: The port URL or device path.
        request: Name of the request.
        target: Who it was sent to.
        n_bytes: How many unusable bytes were received.
        expected: What a reply should have been.
        timeout_s: How long each try waited.
        tries: How many times the request was sent.
    """

    def __init__(
        self,
        port: str,
        request: str,
        target: str,
        n_bytes: int,
        expected: str = "a BALANCE v1 reply",
        timeout_s: float = 0.0,
        tries: int = 1,
    ) -> None:
        self.n_bytes = n_bytes
        self.expected = expected
        HilError.__init__(
            self,
            port,
            f"sent {request} to {target}, it answered {n_bytes} bytes that are "
            f"not frames (expected {expected})",
        )
        self.request = request
        self.target = target
        self.timeout_s = timeout_s
        self.tries = tries


class Loopback(NoAnswer):
    """Only our own request came back: the port echoes what is sent, and no device answered.

    Args:
        port: The port URL or device path.
        request: Name of the request.
        target: Who it was sent to.
        echoes: How many copies of the request came back.
        tries: How many times the request was sent.
    """

    def __init__(self, port: str, request: str, target: str, echoes: int, tries: int = 1) -> None:
        self.echoes = echoes
        HilError.__init__(
            self,
            port,
            f"sent {request} to {target}, only our own request came back ({echoes} echo"
            f"{'es' if echoes != 1 else ''}, no reply): the port loops what we send back to us "
            "(a loopback plug or loop:// URL, RX wired to TX, an echoing adapter) and no device answered",
        )
        self.request = request
        self.target = target
        self.timeout_s = 0.0
        self.tries = tries


class Nak(HilError):
    """The device refused the request (non-zero status, or ``ERR`` on the rig).

    Args:
        port: The port URL or device path.
        request: Name of the request.
        target: Who it was sent to.
        status_name: Status name (``"busy"``) or the rig's error text.
        status: Numeric status code, ``None`` for the rig.
    """

    def __init__(
        self,
        port: str,
        request: str,
        target: str,
        status_name: str,
        status: int | None = None,
    ) -> None:
        self.request = request
        self.target = target
        self.status_name = _one_line(status_name)
        self.status = status
        code = f" (0x{status:02X})" if status is not None else ""
        super().__init__(
            port, f"sent {request} to {target}, it answered NAK {self.status_name}{code}"
        )


class BadPayload(HilError):
    """A request that cannot be packed, or ACK data that cannot be parsed.

    Args:
        port: The port URL or device path.
        request: Name of the request.
        target: Who it was (to be) sent to.
        detail: The codec's complaint.
        reply: True for reply data, False for the request's own values.
    """

    def __init__(self, port: str, request: str, target: str, detail: str, reply: bool = True) -> None:
        self.request = request
        self.target = target
        what = (
            f"sent {request} to {target}, the ACK data does not parse ({detail})"
            if reply
            else f"cannot send {request} to {target}: {detail}"
        )
        super().__init__(port, what)
