"""What the program does with the Python warnings of the libraries it uses.

A person running `statement-room` reads on stderr only what the program tells them; a
library's notice to its own developers is not for them, and scripts and tests that check for an
empty stderr would break on every new library release. Each filter names exactly one warning
(its category, its text and the module that triggers it), says why it is harmless here and
when it can go. `desktop/__init__.py` installs them, so every entry point (the command, `python3
-m desktop`, the tools) has them before it imports a library; pytest, which puts back its own
filters around every test, is handed the same list by tests/conftest.py.
"""

from __future__ import annotations

import warnings

from cryptography.utils import CryptographyDeprecationWarning

# Each entry names exactly one warning: (its text, as a regular expression matched at the
# start; its category; the module that triggers it, as a regular expression).
SILENCED: tuple[tuple[str, type[Warning], str], ...] = (
    # cryptography 51 deprecates DSA and warns when its DSA key types are imported; pyHanko
    # 0.38 imports DSAPrivateKey in pyhanko.sign.signers.pdf_cms (to recognise such keys) each
    # time its signers load. The program makes and signs with EC keys only, so the notice is
    # about pyHanko, not about anything we do. Drop it when pyHanko stops importing DSA.
    (r"DSA is deprecated", CryptographyDeprecationWarning, r"pyhanko\.sign\.signers\.pdf_cms$"),
)


def install() -> None:
    """Install the filters; calling it again changes nothing (an equal filter is replaced)."""
    for message, category, module in SILENCED:
        warnings.filterwarnings("ignore", message=message, category=category, module=module)
