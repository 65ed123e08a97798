"""`statement-room` with no subcommand shows its login window before the heavy stack loads.

The real entry point (`desktop.__main__`, what the console script runs) is started in a
fresh interpreter on a store that exists, as `benchmarks/startup_bench.py` starts it, and
the modules imported when the login window first paints are read back. The signing stack
(pyHanko and what it pulls in: asn1crypto, aiohttp, cryptography's primitives), the
database (sqlcipher3 and the store), documents (reportlab) and the command modules are
loaded when first used, after the login. What is imported is asserted, never time: the
time is the benchmark's business.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.startup_bench import make_store, start_script

DEFERRED = (
    "pyhanko", "pyhanko_certvalidator", "asn1crypto", "aiohttp", "cryptography.hazmat",
    "cryptography.x509", "sqlcipher3", "reportlab", "PIL", "hardware", "sync",
    "desktop.store.store", "desktop.store.audit", "desktop.documents",
    "desktop.domain.model", "desktop.services.devices", "desktop.cli.documents",
    "desktop.cli.devices", "desktop.cli.evidence", "desktop.ui.main_window",
)


def _loaded(modules: set[str], name: str) -> list[str]:
    return sorted(m for m in modules if m == name or m.startswith(name + "."))


def test_the_login_window_paints_before_the_signing_and_database_stack_loads(
        tmp_path: Path) -> None:
    window, modules = start_script(make_store(tmp_path / "store"))
    assert window == "LoginDialog"
    assert "desktop.cli.app" in modules and "desktop.ui.start" in modules  # the real path
    loaded = {name: _loaded(modules, name) for name in DEFERRED}
    assert {name: found for name, found in loaded.items() if found} == {}
