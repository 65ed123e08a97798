"""Second-generation resident ID card readers (SAM_A / SAM_V serial protocol).

The package is layered so each piece can be tested alone: `codec` turns frames into bytes and
back, `errors` names every failure (one class per SW3 status), `checkdigit` and `tables` hold
the GB 11643 / GB 3304 facts, `payload` and `text` parse what the reader returns into an
`IdentityRecord`, `synthetic` makes made-up cards, `emulator` is a faithful in-process reader
for tests and `emu-idcard://`, and `driver` runs the find -> select -> read state machine over
a pyserial-like port. Nothing here imports Qt or the desktop application.
"""
