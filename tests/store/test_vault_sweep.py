"""Opening a store clears the temporary blobs an import killed half-way left behind."""

from __future__ import annotations

import os
import subprocess
import sys

from desktop.store import evidence as records
from desktop.store.store import unlock
from desktop.store.vault_format import SUFFIX
from desktop.store.vault_temporaries import TEMP_PREFIX
from tests.conftest import PASSWORD, World


def test_unlock_sweeps_orphans_and_spares_live_imports(world: World) -> None:
    vault = records.vault_directory(world.paths.workdir)
    vault.mkdir(parents=True, exist_ok=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    orphan = vault / f"{TEMP_PREFIX}{dead.stdout.strip()}-0123456789abcdef{SUFFIX}"
    live = vault / f"{TEMP_PREFIX}{os.getpid()}-fedcba9876543210{SUFFIX}"
    # A complete blob no record references (an import killed after its rename, before its
    # record committed): removed too since issue 11 §6 (tests/cli/test_import_kill_orphan.py).
    unreferenced = vault / ("0" * 64 + SUFFIX)
    for path in (orphan, live, unreferenced):
        path.write_bytes(b"partial ciphertext")
    world.store.close()

    world.store = unlock(world.paths, world.admin.certificate_no, PASSWORD,
                         clock=world.store.clock)
    assert not orphan.exists()
    assert live.exists() and not unreferenced.exists()
