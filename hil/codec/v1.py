"""Codec for protocol version 1: frame encoder and streaming decoder."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from hil.codec.crc import crc16_ccitt
from hil.codec.frame import MAX_FRAME, MAX_LENGTH, MIN_LENGTH, START, VERSION, Frame, ProtocolError

__all__ = ["SYNC_LIMIT", "Codec", "CodecV1", "Decoder", "DecoderV1"]

#: A run of garbage is reported in pieces of at most this many bytes, so a
#: long burst of noise is reported while it lasts and memory stays bounded.
SYNC_LIMIT = MAX_FRAME


@runtime_checkable
class Decoder(Protocol):
    """Streaming decoder: bytes in, frames and protocol errors out."""

    def feed(self, data: bytes) -> list[Frame | ProtocolError]:
        """Consumes bytes; returns complete frames and errors, in stream order."""
        ...

    def flush(self) -> list[Frame | ProtocolError]:
        """Treats the stream as ended (e.g. after an idle gap); empties the buffer."""
        ...

    def reset(self) -> None:
        """Discards all buffered bytes without reporting them."""
        ...


@runtime_checkable
class Codec(Protocol):
    """A frame format: an encoder plus a decoder factory."""

    def encode(self, frame: Frame) -> bytes:
        """Serialises one frame to its wire bytes."""
        ...

    def decoder(self) -> Decoder:
        """Returns a new, independent streaming decoder."""
        ...


class CodecV1:
    """Version 1 frame format (``docs/serial-protocol.md``)."""

    version = VERSION

    def encode(self, frame: Frame) -> bytes:
        """Serialises ``frame``.

        Args:
            frame: The frame; its ``version`` is written as is.

        Returns:
            ``start``, ``length``, header, payload and CRC.
        """
        body = (
            (MIN_LENGTH + len(frame.payload)).to_bytes(2, "big")
            + bytes((frame.version,))
            + frame.address.to_bytes(2, "big")
            + bytes((frame.command,))
            + frame.seq.to_bytes(2, "big")
            + frame.payload
        )
        return bytes((START,)) + body + crc16_ccitt(body).to_bytes(2, "big")

    def decoder(self) -> DecoderV1:
        """Returns a new streaming decoder for this format."""
        return DecoderV1()


class DecoderV1:
    """Streaming version 1 decoder with resynchronisation.

    Bytes may arrive in any chunking, one at a time included: the
    concatenation of the lists returned by successive :meth:`feed` calls
    depends only on the concatenated input. A frame is returned as soon as
    its last CRC byte arrives; errors are returned as soon as they are
    certain. Every input byte ends up either in a returned frame or in the
    ``skipped`` bytes of exactly one returned error (after :meth:`flush`).

    Rules, applied at the head of the buffer:

    * bytes before a start byte are garbage, reported as one ``"sync"`` error
      when the next start byte arrives (or in pieces of ``SYNC_LIMIT`` bytes);
    * a start byte whose length field is outside ``MIN_LENGTH..MAX_LENGTH``
      (``"length"``), whose version byte is not 1 (``"version"``) or whose
      CRC does not match (``"crc"``) is rejected: only that start byte is
      dropped and scanning resumes right after it, so a good frame hidden
      behind a damaged or truncated one is never lost.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._garbage = bytearray()

    @property
    def buffered(self) -> int:
        """Number of bytes held (incomplete frame plus unreported garbage)."""
        return len(self._buf) + len(self._garbage)

    def feed(self, data: bytes) -> list[Frame | ProtocolError]:
        """Consumes ``data``.

        Args:
            data: Any bytes.

        Returns:
            Decoded frames and protocol errors in stream order. Never raises
            on any input.
        """
        self._buf += data
        return self._drain(final=False)

    def flush(self) -> list[Frame | ProtocolError]:
        """Ends the stream: rejects an incomplete frame and reports garbage.

        Call this after an idle gap on the line: a frame whose length field
        was damaged otherwise makes the decoder wait for bytes that never
        come. The incomplete frame's start byte is rejected (``"truncated"``)
        and the rest re-scanned, so frames behind it are still returned.

        Returns:
            Frames and errors recovered from the buffer, which is then empty.
        """
        return self._drain(final=True)

    def reset(self) -> None:
        """Discards all buffered bytes without reporting them."""
        self._buf.clear()
        self._garbage.clear()

    def _drain(self, final: bool) -> list[Frame | ProtocolError]:
        out: list[Frame | ProtocolError] = []
        buf = self._buf
        while buf:
            if buf[0] != START:
                idx = buf.find(START)
                end = len(buf) if idx < 0 else idx
                self._garbage += buf[:end]
                del buf[:end]
                self._report_garbage(out, everything=False)
                if not buf:
                    break
            self._report_garbage(out, everything=True)
            item = self._parse_head(final)
            if item is None:
                break
            out.append(item)
        if final:
            self._report_garbage(out, everything=True)
        return out

    def _report_garbage(self, out: list[Frame | ProtocolError], everything: bool) -> None:
        garbage = self._garbage
        while len(garbage) >= SYNC_LIMIT or (everything and garbage):
            piece = bytes(garbage[:SYNC_LIMIT])
            del garbage[:SYNC_LIMIT]
            out.append(ProtocolError("sync", f"skipped {len(piece)} byte(s) looking for a frame start", piece))

    def _parse_head(self, final: bool) -> Frame | ProtocolError | None:
        """Parses the candidate frame at the head of the buffer (``buf[0] == START``).

        Returns:
            The frame (consumed), an error (its start byte consumed), or
            ``None`` if more bytes are needed.
        """
        buf = self._buf
        have = len(buf)
        length = int.from_bytes(buf[1:3], "big") if have >= 3 else None
        if length is not None and not MIN_LENGTH <= length <= MAX_LENGTH:
            return self._reject("length", f"length field {length} outside {MIN_LENGTH}..{MAX_LENGTH}")
        if have >= 4 and buf[3] != VERSION:
            return self._reject("version", f"version {buf[3]} (expected {VERSION})")
        if length is None or have < 5 + length:
            if final:
                return self._reject("truncated", f"stream ended {have} byte(s) into a frame")
            return None
        end = 3 + length
        frame = Frame(
            address=int.from_bytes(buf[4:6], "big"),
            command=buf[6],
            seq=int.from_bytes(buf[7:9], "big"),
            payload=bytes(buf[9:end]),
            version=buf[3],
        )
        expected = crc16_ccitt(buf[1:end])
        received = int.from_bytes(buf[end : end + 2], "big")
        if expected != received:
            return self._reject("crc", f"crc {received:#06x} != computed {expected:#06x}", frame)
        del buf[: end + 2]
        return frame

    def _reject(self, kind: str, message: str, frame: Frame | None = None) -> ProtocolError:
        skipped = bytes(self._buf[:1])
        del self._buf[:1]
        return ProtocolError(kind, message, skipped, frame)
