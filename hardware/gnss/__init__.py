"""GNSS receivers: NMEA 0183 stream reading and a track-replaying emulator."""

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

__all__ = [
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
