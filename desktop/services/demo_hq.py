"""The demo's HQ: the reference server started as a process of its own on loopback, then the
demo store enrolled with it, synced, its receipts checked and its media purged per policy.

The desktop never imports the server (decision 25): HQ runs as ``python -m hq`` with its data
in ``<demo folder>/hq``, so killing it and starting it again loses nothing it acknowledged,
and the same folder serves the next run of the demo (the store stays enrolled; only the port
changes, and a round may name the address it reaches HQ at). With ``--hq URL`` the demo uses
that HQ instead, enrolling with the code given (once).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from gettext import gettext as _
from importlib.resources import files
from pathlib import Path
from typing import Any

from desktop.domain.errors import UserError
from desktop.i18n import current_language
from desktop.services import sync, sync_purge, sync_round
from desktop.services.demo_login import demo_password
from desktop.services.demo_pki import ROOT_KEY_NAME
from desktop.store import sync_state
from desktop.store.store import Store
from resources.discretion import STARTER, STARTER_FILE

HQ_FOLDER = "hq"
_START_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _hq_command(data: Path, *args: str) -> list[str]:
    if getattr(sys, "frozen", False):
        # The installed program carries the client only (installer/statement-room.spec): HQ
        # is a server's program, installed with pip where HQ runs (decision 48).
        raise UserError(_("This installed program does not include the demo's HQ server. "
                          "Run the demo with --no-hq, or with --hq URL and --hq-code to sync "
                          "with a running HQ."))
    # The demo's HQ speaks to whoever watches the demo in the demo's own language.
    return [sys.executable, "-m", "hq", "--data", str(data), "--lang", current_language(),
            *args]


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/v1/hq")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextlib.contextmanager
def embedded_hq(data: Path) -> Iterator[str]:
    """Run the reference HQ on loopback with its data in `data`; yield its URL."""
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = (data / "server.log").open("ab")
    # Our own interpreter running our own HQ module with fixed arguments, no shell.
    process = subprocess.Popen(_hq_command(data, "serve", "--host", "127.0.0.1",  # noqa: S603
                                           "--port", str(port)),
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise UserError(_("The demo's HQ did not start; its log is {path}.").format(
                    path=data / "server.log"))
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _enrol_code(data: Path) -> str:
    done = subprocess.run(_hq_command(data, "enrol-code"),  # noqa: S603 (as above)
                          capture_output=True, text=True,
                          timeout=60, check=False, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise UserError(_("The demo's HQ gave no enrolment code: {error}").format(
            error=done.stderr.strip()))
    return done.stdout.strip()


@contextlib.contextmanager
def hq_rounds(store: Store, workdir: Path, say: Callable[[str], None], *,
              hq_url: str | None = None, hq_code: str | None = None
              ) -> Iterator[Callable[[], dict[str, Any]]]:
    """HQ for the demo (embedded unless `hq_url` names one), kept up while the caller works:
    yields what runs one round (enrol once, sync everything, check the receipts, purge per
    policy) and returns its counts. The demo syncs, decides its penalty on the library and the
    standard that round brought, then syncs again so the decision reaches HQ too."""
    if hq_url is not None:
        url = hq_url
        yield lambda: _sync(store, url, lambda: hq_code, say)
        return
    data = workdir / HQ_FOLDER
    with embedded_hq(data) as url:
        say(_("HQ started on {url} (data in {path})").format(url=url, path=data))
        with store.reading() as conn:
            first = sync_state.enrolment(conn) is None
        root_key = workdir / "exports" / ROOT_KEY_NAME
        if first and root_key.exists():
            _take_unit_root(data, root_key)
            say(_("HQ took the demo unit's root: it issues the device's certificate at "
                  "enrolment and verifies the statements it receives"))
        _publish_reference_data(data)
        say(_("HQ publishes the law library (the statute texts shipped with the program) and "
              "the starter discretion standard (an example for the bureau to replace)"))
        yield lambda: _sync(store, url, lambda: _enrol_code(data), say)


def _run_hq(data: Path, *args: str, failure: str) -> None:
    done = subprocess.run(_hq_command(data, *args),  # noqa: S603 (our own command)
                          capture_output=True, text=True, timeout=300, check=False,
                          stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise UserError(failure.format(error=(done.stderr or done.stdout).strip()))


def _publish_reference_data(data: Path) -> None:
    """The law library and the starter standard, as HQ's administrator publishes them
    (`statement-room-hq laws import`, `discretion import`; resources/discretion/README.md).
    Publishing the same bytes again publishes nothing, so every run may do it."""
    laws = Path(str(files("resources").joinpath("laws")))
    _run_hq(data, "laws", "import", str(laws),
            failure=_("The demo's HQ did not publish the law library: {error}"))
    table = Path(str(files("resources.discretion").joinpath(STARTER_FILE)))
    thresholds = [
        argument for flag, key in (("--hearing-threshold", "hearing_thresholds"),
                                   ("--review-threshold", "review_thresholds"))
        for party, yuan in STARTER[key].items() for argument in (flag, f"{party}={yuan}")]
    _run_hq(data, "discretion", "import", str(table), "--id", STARTER["id"],
            "--title", STARTER["title"], "--version-date", STARTER["version_date"],
            "--effective-date", STARTER["effective_date"], "--issuer", STARTER["issuer"],
            *(["--example"] if STARTER["example"] else []), *thresholds,
            failure=_("The demo's HQ did not publish the discretion standard: {error}"))


def _take_unit_root(data: Path, root_key: Path) -> None:
    """`statement-room-hq ca import` of the demo unit's sealed root (demo_pki.ROOT_KEY_NAME),
    the passphrase in a private file for the moment of the import."""
    with tempfile.TemporaryDirectory(prefix="sr-demo-ca-") as private:
        passphrase = Path(private) / "passphrase"
        fd = os.open(passphrase, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(demo_password() + "\n")
        done = subprocess.run(_hq_command(data, "ca", "import", str(root_key),  # noqa: S603
                                          "--passphrase-file", str(passphrase)),
                              capture_output=True, text=True, timeout=120, check=False,
                              stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise UserError(_("The demo's HQ did not take the unit's root: {error}").format(
            error=done.stderr.strip()))


def _sync(store: Store, url: str, code: Callable[[], str | None],
          say: Callable[[str], None]) -> dict[str, Any]:
    with store.reading() as conn:
        enrolled = sync_state.enrolment(conn)
    if enrolled is None:
        given = code()
        if not given:
            raise UserError(_("Give the enrolment code from HQ's administrator with "
                              "--hq-code."))
        enrolled = sync_round.enrol(store, url, given)
        # Enrolled in this session: its rounds act for the demo's officer from now on.
        sync_round.act_for_officer(store, demo_password())
        say(_("Enrolled with HQ {hq} as device {device}").format(
            hq=enrolled.hq_id, device=enrolled.device_id))
    report = sync_round.run_round(store, hq_url=url)
    if not report.complete:
        raise UserError("; ".join(report.problems) or _("The sync did not complete."))
    counts = _acknowledged(store)
    purged = sync_purge.purge(store)
    status = sync.status(store)
    say(_("Synced with HQ: {records} records and {media} media acknowledged, {verified} "
          "receipts verified, audit trail countersigned up to {size} events; {purged} media "
          "purged, {kept} kept per the purge policy").format(
              records=counts["records_acknowledged"], media=counts["media_acknowledged"],
              verified=counts["receipts_verified"], size=status.countersigned_size,
              purged=len(purged.purged), kept=len(purged.kept)))
    return {"hq": url, **counts, "sent": report.result.sent,
            "audit_head_countersigned": status.countersigned_size,
            "purged": len(purged.purged), "purge_kept": len(purged.kept),
            "pending": status.pending_records}


def _acknowledged(store: Store) -> dict[str, int]:
    """Every receipt the store keeps, checked again against the pinned key and the entry."""
    with store.reading() as conn:
        rows = sync_state.entries(conn)
        for row in rows:
            if row.receipt is not None:  # ReceiptRefused unless it verifies and fits
                sync_state.check_receipt(conn, row.queued.op_id, row.receipt)
    rows = [r for r in rows if r.receipt is not None]
    media = sum(r.queued.kind in sync.MEDIA_KINDS for r in rows)
    return {"records_acknowledged": len(rows) - media, "media_acknowledged": media,
            "receipts_verified": len(rows)}
