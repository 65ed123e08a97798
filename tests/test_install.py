"""What a fresh install gives a user: quiet commands and the versions the tests ran with.

Every normal command leaves stderr empty, also with the newest library releases the
constraints allow (a library's deprecation notice is no message for an officer; see
desktop/warnings_policy.py). README installs with `-c constraints.txt`: that file pins every
dependency the project declares, to a version its bounds in pyproject.toml accept.
"""

from __future__ import annotations

import re
import tomllib
import warnings
from pathlib import Path

from cryptography.utils import CryptographyDeprecationWarning
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from desktop import warnings_policy
from desktop.services.demo import DEMO_OFFICERS
from desktop.services.demo_login import DEMO_PASSWORD
from tests.cli.helpers import ROOT, last_json, run_cli

LOGIN = {"STATEMENT_ROOM_OFFICER": DEMO_OFFICERS[0].certificate_no,
         "STATEMENT_ROOM_PASSWORD": DEMO_PASSWORD}
DSA_NOTICE = ("DSA is deprecated and support will be removed in a future release. Use a more "
              "modern signature algorithm.")


def test_normal_commands_write_nothing_on_stderr(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    runs = [run_cli("--help"), run_cli("--version")]
    assert runs[1].stdout.startswith("statement-room ")
    runs.append(run_cli("demo", "--workdir", str(workdir), "--json"))
    result = last_json(runs[-1].stdout)
    runs.append(run_cli("verify", result["pdf"], "--trust", result["trust_root"]))
    runs.append(run_cli("audit", "verify", "--workdir", str(workdir), env=LOGIN))
    runs.append(run_cli("search", "--workdir", str(workdir), "人行道", env=LOGIN))
    for run in runs:
        assert (run.args[3:], run.returncode, run.stderr) == (run.args[3:], 0, "")


def test_the_policy_silences_exactly_pyhankos_dsa_notice() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("always")
        warnings_policy.install()
        warnings_policy.install()  # twice, as a second import path might: still one filter
        # What cryptography >= 51 raises while pyHanko imports its signers: silenced.
        warnings.warn_explicit(DSA_NOTICE, CryptographyDeprecationWarning, "pdf_cms.py", 20,
                               module="pyhanko.sign.signers.pdf_cms")
        # The same notice caused by another module, or another notice: still shown.
        warnings.warn_explicit(DSA_NOTICE, CryptographyDeprecationWarning, "signer.py", 1,
                               module="desktop.documents.signer")
        warnings.warn_explicit("something else", CryptographyDeprecationWarning, "pdf_cms.py",
                               21, module="pyhanko.sign.signers.pdf_cms")
        warnings.warn_explicit(DSA_NOTICE, DeprecationWarning, "pdf_cms.py", 22,
                               module="pyhanko.sign.signers.pdf_cms")
        ignoring = [f for f in warnings.filters if f[0] == "ignore"]
    assert [(str(w.message), w.filename) for w in caught] == [
        (DSA_NOTICE, "signer.py"), ("something else", "pdf_cms.py"), (DSA_NOTICE, "pdf_cms.py")]
    assert len(ignoring) == 1


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
            assert match, f"constraints.txt: not an exact pin: {line!r}"
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def test_constraints_pin_every_declared_dependency_within_its_bounds() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    declared = [*project["dependencies"], *extras["test"], *extras["package"]]
    pins = _pins()
    for text in declared:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue  # e.g. PySide6's other bound for another Python
        name = canonicalize_name(requirement.name)
        assert name in pins, f"constraints.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside {requirement.specifier}")
