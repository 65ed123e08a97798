"""Body-worn recorders (执法记录仪) per GA/T 947: identity record, errors, file names, driver.

`identity` encodes the ZFY_INFO record (both layouts, GBK), `errors` names every `iRet` failure,
`filenames` parses media names per vendor preset, `emulator` is an in-process recorder with a
synthetic mass-storage volume, `driver` is the GA/T 947.4-shaped driver interface with its
vendor adapters, and `amba` the Amba-style `@Cmd;len;arg;#` byte protocol: `open_bodycam(url)`
returns a driver for a recorder on a port (`emu-bodycam://`, a pty, `socket://`). Nothing here
imports Qt or the desktop application.
"""

from hardware.bodycam.amba import AmbaDriver, open_bodycam

__all__ = ["AmbaDriver", "open_bodycam"]
