"""Child process for the full-disk tests: log in with files limited to a few hundred bytes.

RLIMIT_FSIZE makes the kernel refuse every write past the limit (EFBIG, with SIGXFSZ
ignored), the way a full disk refuses them (ENOSPC): the key file cannot be saved. Prints
one JSON line per password: the error's class and message, or "opened".
Usage: python -m tests.store.lockout_child WORKDIR LOGIN PASSWORD...
"""

from __future__ import annotations

import json
import resource
import signal
import sys
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.i18n import set_language
from desktop.store import keys
from desktop.store.store import StorePaths, unlock


def main(workdir: str, login: str, passwords: list[str]) -> None:
    set_language("en")
    derivations = []
    real_kek = keys.password_kek

    def counting_kek(password: str, salt: bytes, params: keys.KdfParams) -> bytes:
        derivations.append(1)
        return real_kek(password, salt, params)

    keys.password_kek = counting_kek
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256, 256))
    for password in passwords:
        derivations.clear()
        try:
            unlock(StorePaths(Path(workdir)), login, password).close()
            outcome = ["opened", ""]
        except UserError as exc:
            outcome = [type(exc).__name__, exc.message]
        except Exception as exc:
            outcome = ["bug:" + type(exc).__name__, str(exc)]
        print(json.dumps([*outcome, len(derivations)]), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
