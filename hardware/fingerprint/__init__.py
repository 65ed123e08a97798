"""Fingerprint readers that speak the common UART fingerprint-module protocol.

The package is layered like the other devices: `protocol` turns packets into bytes and back
(and packs the image's 4-bit pixels), `errors` names every failure (one class per confirmation
code, translated), `emulator` is a faithful in-process module for tests and
`emu-fingerprint://`, and `driver` unlocks the module, waits for a finger and brings the image
over a pyserial-like port. Nothing here imports Qt or the desktop application.
"""
