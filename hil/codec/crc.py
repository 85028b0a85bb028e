"""CRC-16/CCITT-FALSE, table-driven.

Parameters: polynomial 0x1021, initial value 0xFFFF, no input or output
reflection, no final XOR. The standard check value is
``crc16_ccitt(b"123456789") == 0x29B1``.
"""

from __future__ import annotations

__all__ = ["CRC_INIT", "CRC_POLY", "crc16_ccitt"]

CRC_POLY = 0x1021
CRC_INIT = 0xFFFF


def _make_table(poly: int) -> tuple[int, ...]:
    """Builds the 256-entry lookup table for a non-reflected 16-bit CRC.

    Args:
        poly: The generator polynomial without the implicit x^16 term.

    Returns:
        The CRC of each single byte value shifted into the high byte.
    """
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ poly) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


_TABLE = _make_table(CRC_POLY)


def crc16_ccitt(data: bytes | bytearray | memoryview, crc: int = CRC_INIT) -> int:
    """Computes CRC-16/CCITT-FALSE over ``data``.

    One table look-up per byte (O(n)). Passing the result of a previous call
    as ``crc`` continues the computation, so
    ``crc16_ccitt(b, crc16_ccitt(a)) == crc16_ccitt(a + b)``.

    Args:
        data: The bytes to checksum.
        crc: The running CRC value; ``CRC_INIT`` (0xFFFF) to start.

    Returns:
        The 16-bit CRC.
    """
    table = _TABLE
    for byte in bytes(data):
        crc = ((crc << 8) & 0xFFFF) ^ table[(crc >> 8) ^ byte]
    return crc
