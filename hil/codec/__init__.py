"""BALANCE serial protocol codec (``docs/serial-protocol.md``).

Frames (:class:`Frame`), the codec interface (:class:`Codec`,
:class:`Decoder`), the version 1 implementation (:class:`CodecV1`), the CRC
and every command's payload records and ``pack_*``/``unpack_*`` helpers.

Example:
    >>> codec = CodecV1()
    >>> payload = pack_time_sync_request(TimeSyncRequest(unix_s=0))
    >>> wire = codec.encode(Frame(address=1, command=TIME_SYNC, seq=7, payload=payload))
    >>> codec.decoder().feed(wire)[0].seq
    7
"""

from hil.codec.commands import *  # noqa: F403 -- command codes, records, pack_*/unpack_*
from hil.codec.commands import __all__ as _commands_all
from hil.codec.crc import crc16_ccitt
from hil.codec.frame import *  # noqa: F403 -- frame constants, status codes, Frame, ProtocolError
from hil.codec.frame import __all__ as _frame_all
from hil.codec.v1 import Codec, CodecV1, Decoder, DecoderV1

__all__ = [
    *_frame_all,
    "Codec",
    "CodecV1",
    "Decoder",
    "DecoderV1",
    "crc16_ccitt",
    *_commands_all,
]
