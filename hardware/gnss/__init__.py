"""GNSS receivers: NMEA 0183 stream reading and a track-replaying emulator.

`BAUDRATE` is the receivers' line rate (NMEA 0183 says 4800; USB receivers default to 9600).
"""

from hardware.gnss.emulator import GnssEmulator, TrackPoint, synthetic_track
from hardware.gnss.nmea import (
    ChecksumError,
    Fix,
    Gga,
    NmeaError,
    NmeaReader,
    Rmc,
    Sentence,
    SentenceError,
    decode_sentence,
    encode_sentence,
    parse_sentence,
)

BAUDRATE = 9600

__all__ = [
    "BAUDRATE",
    "ChecksumError",
    "Fix",
    "Gga",
    "GnssEmulator",
    "NmeaError",
    "NmeaReader",
    "Rmc",
    "Sentence",
    "SentenceError",
    "TrackPoint",
    "decode_sentence",
    "encode_sentence",
    "parse_sentence",
    "synthetic_track",
]
