"""`statement-room ca init|issue`, through a parser built with `desktop.cli.ca.register`."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from desktop import config
from desktop.cli import ca as cli_ca
from desktop.documents import certcheck
from desktop.documents.signer import SoftwareSigner
from desktop.domain.errors import UserError
from desktop.services import ca_root

UNIT = "测试市某区综合行政执法局"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    cli_ca.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return int(args.handler(args))


def test_init_then_issue_an_officer_p12(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.CA_PASSPHRASE, "root passphrase 口令")
    monkeypatch.setenv(config.P12_PASSPHRASE, "p12 passphrase")
    ca_dir = tmp_path / "ca"
    assert run("ca", "init", "--unit", UNIT, "--out", str(ca_dir)) == 0
    assert b"PRIVATE KEY" not in (ca_dir / cli_ca.ROOT_KEY).read_bytes()
    with pytest.raises(UserError, match="refusing to overwrite"):
        run("ca", "init", "--unit", UNIT, "--out", str(ca_dir))
    out = tmp_path / "officer.p12"
    assert run("ca", "issue", "--root", str(ca_dir), "--kind", "officer", "--name", "郑测试",
               "--certificate", "99000009", "--unit", UNIT, "--out", str(out)) == 0
    signer = SoftwareSigner.from_pkcs12(out.read_bytes(), b"p12 pass" + b"phrase")
    root_cert = ca_root.load_root_key((ca_dir / cli_ca.ROOT_KEY).read_bytes(),
                                      "root passphrase 口令".encode()).certificate
    checked = certcheck.check_certificate(signer.certificate, signer.chain, [root_cert],
                                          role="officer")
    assert checked.serial_number == "99000009" and checked.common_name == "郑测试"
    with pytest.raises(UserError, match="refusing to overwrite"):
        run("ca", "issue", "--root", str(ca_dir), "--kind", "seal", "--unit", UNIT,
            "--out", str(out))
    monkeypatch.setenv(config.CA_PASSPHRASE, "wrong")
    with pytest.raises(UserError, match="passphrase"):
        run("ca", "issue", "--root", str(ca_dir), "--kind", "seal", "--unit", UNIT,
            "--out", str(tmp_path / "seal.p12"))
