"""What the program does with the Python warnings of the libraries it uses.

A person running `statement-room` reads on stderr only what the program tells them; a
library's notice to its own developers is not for them, and scripts and tests that check for an
empty stderr would break on every new library release. Each filter names exactly one warning
(its category, its text and the module that triggers it), says why it is harmless here and
when it can go. `desktop/__init__.py` installs them, so every entry point (the command, `python3
-m desktop`, the tools) has them before it imports a library.
"""

from __future__ import annotations

import warnings

from cryptography.utils import CryptographyDeprecationWarning


def install() -> None:
    """Install the filters; calling it again changes nothing (an equal filter is replaced)."""
    # cryptography 51 deprecates DSA and warns when its DSA key types are imported; pyHanko
    # 0.38 imports DSAPrivateKey in pyhanko.sign.signers.pdf_cms (to recognise such keys) each
    # time its signers load. The program makes and signs with EC keys only, so the notice is
    # about pyHanko, not about anything we do. Drop this filter when pyHanko stops importing it.
    warnings.filterwarnings("ignore", message=r"DSA is deprecated",
                            category=CryptographyDeprecationWarning,
                            module=r"pyhanko\.sign\.signers\.pdf_cms$")
