"""Poppler's command-line tools for the PDF checks, provisioned if the machine lacks them.

pdfsig, pdftotext, pdffonts and pdftoppm are independent judges of our PDFs and cannot come
from pip. `.ci/run` installs Debian's poppler-utils; on a fresh Debian machine where the
README's test command runs as root, the first test that needs a tool installs it the same
way. Elsewhere a missing tool fails the test with what to install: never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

_attempted: set[str] = set()


def _install(package: str, tool: str) -> None:
    if package in _attempted or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    _attempted.add(package)
    if shutil.which("apt-get") is None:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "install", "-y", "-qq", package],
                    ["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", package]):
        subprocess.run(command, env=env, capture_output=True, timeout=900, check=False)
        if shutil.which(tool):
            return


def debian_tool(name: str, package: str) -> str:
    """The path of command `name`, installing Debian's `package` first if possible."""
    path = shutil.which(name)
    if path is None:
        _install(package, name)
        path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install Debian's {package} (or your platform's "
                    "equivalent) to run these checks")
    return path


def poppler_tool(name: str) -> str:
    """The path of poppler tool `name`, installing poppler-utils first if possible."""
    return debian_tool(name, "poppler-utils")


def pdfsig_trusting(pdf: Path, root_pem: bytes, workdir: Path) -> str:
    """pdfsig's report on `pdf` with an NSS database that trusts only `root_pem` (one or more
    PEM certificates).

    Poppler checks certificates against NSS; a fresh database holding the unit root as a
    trusted CA is what "pdfsig trusting the unit root" means.
    """
    certutil = debian_tool("certutil", "libnss3-tools")
    nss = workdir / "nssdb"
    nss.mkdir(parents=True, exist_ok=True)
    subprocess.run([certutil, "-N", "-d", f"sql:{nss}", "--empty-password"], check=True,
                   capture_output=True)
    end = b"-----END CERTIFICATE-----"
    for index, block in enumerate(part for part in root_pem.split(end) if b"BEGIN" in part):
        root = workdir / f"unit-root-{index}.pem"
        root.write_bytes(block.strip() + b"\n" + end + b"\n")
        subprocess.run([certutil, "-A", "-d", f"sql:{nss}", "-n", f"unit-root-{index}", "-t",
                        "C,C,C", "-a", "-i", str(root)], check=True, capture_output=True)
    return subprocess.run([poppler_tool("pdfsig"), "-nssdir", f"sql:{nss}", str(pdf)],
                          capture_output=True, text=True, check=False).stdout


def certificate_verdicts(pdfsig_output: str) -> dict[str, set[str]]:
    """Signer common name -> every "Certificate Validation" verdict pdfsig gave for it.

    Poppler 22.12 with NSS says "Unknown issue with Certificate or corrupted data." for some
    repeats of a certificate it has just called trusted in the same run (seen with the same
    signer's certificate on several fields, and before this project's own PKI changed); a
    certificate counts as trusted when pdfsig trusted it at least once and never said its
    issuer is untrusted, or that it is expired or revoked.
    """
    verdicts: dict[str, set[str]] = {}
    signer = None
    for line in pdfsig_output.splitlines():
        if "Signer Certificate Common Name:" in line:
            signer = line.split(":", 1)[1].strip()
        elif "Certificate Validation:" in line and signer is not None:
            verdicts.setdefault(signer, set()).add(line.split(":", 1)[1].strip())
    return verdicts


def all_trusted(pdfsig_output: str) -> bool:
    verdicts = certificate_verdicts(pdfsig_output)
    bad = ("isn't Trusted", "expired", "revoked", "unknown", "not Trusted")
    return bool(verdicts) and all(
        "Certificate is Trusted." in found
        and not any(word in verdict for verdict in found for word in bad)
        for found in verdicts.values())
