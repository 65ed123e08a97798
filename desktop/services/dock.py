"""Docking a body-worn recorder: identify it, prove its clock, take every file, certify, tidy.

The steps follow a collection station (hardware-protocols §2.7):

1. connect with the device password and read the identity record (serial, officer);
2. read the device clock and record its offset, then synchronise it and read it again;
3. start a docking in the store, or resume the recorder's interrupted one;
4. unlock mass storage and walk the volume (symbolic links and odd entries are skipped and
   reported, never followed; names are untrusted bytes and only ever stored escaped);
5. for each file: a file this recorder already gave us (same path, size and time) is not read
   again; any other is read once (SHA-256 and encryption in one pass, into the vault), read
   back from the vault (decrypt and re-hash, SM3 here when policy asks) and only then recorded,
   with its custody: device path and time, clock offset, corrected start time, GPS track;
6. complete the docking with an ingest certificate (signed canonical JSON of every file);
7. only then, and only if policy allows, delete originals whose vault copy is verified.

Every step that changes the store is its own transaction, so a kill at any point leaves a
store that is consistent and a docking that the next run resumes: verified files are never
copied twice, nothing half-written is ever recorded, and nothing is deleted from the device
that is not verified in the vault.

A docking is long work (decision 12, as amended by issue 12): it runs on its own thread, reads
through `store.reading()`, and hands each of its short transactions to `store.write`, which
serialises them with every other write of the session. An autosave then waits at most for one
record, never for a file copy. Without a background (the command line) `store.write` runs here.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from gettext import gettext as _
from pathlib import Path
from typing import Any

from desktop import config
from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action
from desktop.i18n import os_error_text
from desktop.services.evidence import (
    ImportedItem,
    SkippedEntry,
    evidence_kind,
    open_regular,
    printable,
    regular_files,
)
from desktop.store import cases, dockings
from desktop.store import evidence as records
from desktop.store.dockings import Docking
from desktop.store.evidence import EvidenceRecord
from desktop.store.store import Store
from desktop.store.vault_format import VaultIntegrityError
from desktop.store.vault_read import verify_blob
from desktop.store.vault_stream import VaultWriteError, encrypt_file
from desktop.store.vault_tidy import ingest_guard
from hardware.bodycam.amba import open_bodycam
from hardware.bodycam.driver import BodycamDriver, ClockReading
from hardware.bodycam.errors import BodycamError
from hardware.bodycam.filenames import StartSource, parse_name
from hardware.bodycam.identity import IdentityRecord
from hardware.errors import PortError
from hardware.gnss.nmea import NmeaError, Rmc, parse_sentence
from sync.protocol.ingest import (
    DockingClock,
    IngestCertificate,
    IngestedFile,
    IngestPolicy,
    RecorderIdentity,
)
from sync.protocol.ingest import SkippedEntry as IngestSkipped

DEFAULT_DEVICE_PASSWORD = "000000"  # the vendors' factory default (GA/T 947.4 SDK samples)
DEVICE_PASSWORD_ENV = config.DEVICE_PASSWORD
SIDECAR_EXTENSIONS = frozenset({"nmea", "gps", "log"})
MAX_SIDECAR_BYTES = 8 << 20
MAX_TRACK_POINTS = 20_000


def configured_device_password() -> str:
    """The recorders' password: ${DEVICE_PASSWORD_ENV}, else the factory default."""
    return config.device_password() or DEFAULT_DEVICE_PASSWORD


@dataclass(frozen=True)
class DockPolicy:
    device_password: str = DEFAULT_DEVICE_PASSWORD
    sync_clock: bool = True
    sm3: bool = False  # computed in the verify pass, off the copy path
    delete_originals: bool = False


class DockStage(StrEnum):
    CONNECTING = "connecting"
    CLOCK = "clock"
    UNLOCKING = "unlocking"
    COPYING = "copying"
    CERTIFYING = "certifying"
    DELETING = "deleting"
    DONE = "done"


@dataclass(frozen=True)
class DockProgress:
    """What a progress bar shows: the stage, the current file and both byte counts."""

    stage: DockStage
    file_index: int = 0  # 1-based; 0 before the first file
    file_count: int = 0
    file_name: str = ""
    file_done: int = 0
    file_total: int = 0
    overall_done: int = 0
    overall_total: int = 0


class DockCancelled(UserError):
    """The officer cancelled; the docking stays open and the next docking resumes it."""


@dataclass
class DockReport:
    docking: Docking
    resumed: bool
    items: list[ImportedItem] = field(default_factory=list)  # stored by this run
    already: list[ImportedItem] = field(default_factory=list)  # stored before, not re-read
    skipped: list[SkippedEntry] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # device paths removed by policy
    not_deleted: list[SkippedEntry] = field(default_factory=list)
    clock: ClockReading | None = None
    clock_after: ClockReading | None = None


@dataclass(frozen=True)
class _DeviceFile:
    path: Path
    device_path: str  # relative to the volume, printable
    size: int
    mtime: str  # ISO UTC of the device's modification time


ProgressCallback = Callable[[DockProgress], None]


def dock(
    store: Store,
    driver: BodycamDriver,
    *,
    case_id: str | None = None,
    statement_id: str | None = None,
    policy: DockPolicy | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> DockReport:
    """Take everything off a docked recorder into the vault; see the module docstring."""
    policy = policy or DockPolicy()
    say: ProgressCallback = progress or (lambda _p: None)
    try:  # from here on every way out disconnects (and so closes the port)
        with store.reading() as conn:
            if case_id is not None:
                cases.get_case(conn, case_id)
            records.check_statement_in_case(conn, case_id, statement_id)
        say(DockProgress(DockStage.CONNECTING))
        model = driver.connect(policy.device_password)  # refused: the port is closed all the same
        identity = driver.read_identity()
        say(DockProgress(DockStage.CLOCK))
        before, after = _read_clock(driver, policy)
        docking, resumed = _start_or_resume(store, driver, model, identity, before, after,
                                            case_id, statement_id)
        report = DockReport(docking, resumed, clock=before, clock_after=after)
        say(DockProgress(DockStage.UNLOCKING))
        volume = driver.unlock_storage()
        files = _enumerate(volume, report.skipped)
        _take_files(store, driver, docking, volume, files, policy, report, say, cancel)
        _check_cancel(cancel)
        say(DockProgress(DockStage.CERTIFYING))
        report.docking = store.write(lambda: _certify(store, docking, report, policy))
        if policy.delete_originals:
            say(DockProgress(DockStage.DELETING))
            _delete_originals(store, docking, files, report)
        with contextlib.suppress(BodycamError):
            driver.lock_storage()
        say(DockProgress(DockStage.DONE, overall_done=sum(f.size for f in files),
                         overall_total=sum(f.size for f in files)))
        return report
    finally:
        with contextlib.suppress(BodycamError):
            driver.disconnect()


def dock_port(
    store: Store,
    url: str,
    *,
    case_id: str | None = None,
    statement_id: str | None = None,
    policy: DockPolicy | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> DockReport:
    """Dock the recorder at a port or URL; port and device failures become `UserError`."""
    if not url.strip():
        raise UserError(_("No port is configured for the body-worn recorder; set one in the "
                          "device settings."))
    try:
        driver = open_bodycam(url.strip())
    except PortError as exc:
        raise UserError(exc.message) from exc
    try:
        return dock(store, driver, case_id=case_id, statement_id=statement_id, policy=policy,
                    progress=progress, cancel=cancel)
    except BodycamError as exc:
        raise UserError(str(exc)) from exc
    except OSError as exc:  # e.g. the recorder was unplugged while its files were read
        raise UserError(_("The recorder's storage could not be read ({error}). Files stored "
                          "so far are kept; dock the recorder again to resume.").format(
                              error=os_error_text(exc))) from exc


def _read_clock(
    driver: BodycamDriver, policy: DockPolicy
) -> tuple[ClockReading, ClockReading | None]:
    if policy.sync_clock:
        return driver.sync_time()
    return driver.read_time(), None


def _start_or_resume(
    store: Store, driver: BodycamDriver, model: str, identity: IdentityRecord,
    before: ClockReading, after: ClockReading | None, case_id: str | None,
    statement_id: str | None,
) -> tuple[Docking, bool]:
    with store.reading() as conn:
        existing = dockings.open_docking(conn, identity.serial)
    battery: int | None = None
    resolution: str | None = None
    if existing is None:  # asked of the device here, not on the store lane
        with contextlib.suppress(BodycamError):  # nice to have, not evidence
            battery = driver.battery()
        with contextlib.suppress(BodycamError):
            width, height = driver.resolution()
            resolution = f"{width}x{height}"
    return store.write(lambda: _open_docking(store, model, identity, before, after, case_id,
                                             statement_id, battery, resolution))


def _open_docking(
    store: Store, model: str, identity: IdentityRecord, before: ClockReading,
    after: ClockReading | None, case_id: str | None, statement_id: str | None,
    battery: int | None, resolution: str | None,
) -> tuple[Docking, bool]:
    """On the store lane: resume the recorder's open docking, or start one."""
    existing = dockings.open_docking(store.conn, identity.serial)
    if existing is not None:
        if case_id is not None and existing.case_id != case_id:
            raise UserError(_(
                "An interrupted docking of recorder {serial} was started for another case; "
                "dock it again for that case (or without a case) to finish it first.").format(
                    serial=identity.serial))
        with store.transaction() as tx:
            tx.audit(Action.DOCKING_RESUMED, existing.id, device_serial=identity.serial,
                     clock_offset_ms=_millis(before.offset_s),
                     offset_after_sync_ms=_millis(after.offset_s if after else None))
        return existing, True
    docking = Docking(
        id=new_id(), device_serial=identity.serial, device_model=model,
        officer_number=identity.officer_number, officer_name=identity.officer_name,
        unit_number=identity.unit_number, unit_name=identity.unit_name, case_id=case_id,
        statement_id=statement_id, host_time=before.host_time,
        device_time=None if before.device_time is None else before.device_time.isoformat(),
        clock_offset_s=before.offset_s,
        offset_after_sync_s=None if after is None else after.offset_s, battery=battery,
        resolution=resolution, started_at=store.clock(), started_by=store.officer.id,
    )  # fmt: skip
    with store.transaction() as tx:
        return dockings.start_docking(tx, docking), False


def _millis(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def _enumerate(volume: Path, skipped: list[SkippedEntry]) -> list[_DeviceFile]:
    files: list[_DeviceFile] = []
    walked: list[SkippedEntry] = []
    for path in regular_files(volume, walked):
        try:
            info = path.lstat()
        except OSError as exc:
            skipped.append(SkippedEntry(printable(path), _("cannot read it ({error})").format(
                error=os_error_text(exc))))
            continue
        mtime = datetime.fromtimestamp(info.st_mtime, UTC).isoformat(timespec="microseconds")
        files.append(_DeviceFile(path, printable(path.relative_to(volume)), info.st_size,
                                 mtime))
    prefix = printable(volume) + os.sep  # the mount point says nothing about the evidence
    skipped.extend(SkippedEntry(s.name.removeprefix(prefix), s.reason) for s in walked)
    return files


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise DockCancelled(_("Docking cancelled. Files already stored are kept; dock the "
                              "recorder again to take the rest."))


def _take_files(
    store: Store, driver: BodycamDriver, docking: Docking, volume: Path,
    files: list[_DeviceFile], policy: DockPolicy, report: DockReport, say: ProgressCallback,
    cancel: threading.Event | None,
) -> None:
    key = store.vault_key()
    vault = records.vault_directory(store.paths.workdir)
    overall_total = sum(f.size for f in files)
    done_before = 0
    for index, item in enumerate(files, start=1):
        _check_cancel(cancel)
        name = printable(item.path.name)

        def tick(done: int, _total: int | None, *, _base: int = done_before,
                 _index: int = index, _item: _DeviceFile = item, _name: str = name) -> None:
            _check_cancel(cancel)
            say(DockProgress(DockStage.COPYING, _index, len(files), _name, done, _item.size,
                             _base + done, overall_total))

        tick(0, item.size)
        with ingest_guard(vault):  # until the record commits: the open-time sweep waits
            _take_one(store, driver, docking, volume, item, name, key, vault, policy, report,
                      tick)
        done_before += item.size
        tick(item.size, item.size)


def _take_one(
    store: Store, driver: BodycamDriver, docking: Docking, volume: Path, item: _DeviceFile,
    name: str, key: bytes, vault: Path, policy: DockPolicy, report: DockReport,
    tick: Callable[[int, int | None], None],
) -> None:
    with store.reading() as conn:
        prior = records.find_device_file(conn, docking.device_serial, item.device_path,
                                         item.size, item.mtime)
    if prior is not None:  # verified in the vault by an earlier (perhaps interrupted) run
        report.already.append(_imported(prior, name))
        return
    try:
        fd = open_regular(item.path)
    except OSError as exc:
        report.skipped.append(SkippedEntry(item.device_path, _("cannot read it ({error})")
                                           .format(error=os_error_text(exc))))
        return
    with os.fdopen(fd, "rb", buffering=0) as handle:
        try:
            blob = encrypt_file(handle, vault, key, progress=tick)
        except (DockCancelled, VaultIntegrityError, VaultWriteError):
            raise
        except UserError as exc:  # it changed while it was read
            report.skipped.append(SkippedEntry(item.device_path, str(exc)))
            return
    sm3 = verify_blob(blob.path, key, blob.sha256, sm3=policy.sm3)
    parsed = parse_name(os.fsencode(item.path.name),
                        presets=driver.adapter.presets, mtime=item.path.stat().st_mtime)
    captured = parsed.start.isoformat() if parsed.start is not None and \
        parsed.start_source is StartSource.NAME else None
    custody = _custody(docking, driver, item, parsed.start, parsed.start_source, volume)

    def record() -> EvidenceRecord:  # the one short transaction, on the store lane
        with store.transaction() as tx:
            return records.record_item(
                tx, item_id=new_id(), case_id=docking.case_id,
                statement_id=docking.statement_id, sha256=blob.sha256, sm3=sm3, size=blob.size,
                kind=evidence_kind(parsed.raw), source="bodycam", original_name=name,
                original_path=item.device_path, captured_at=captured,
                device_serial=docking.device_serial,
                officer_number=parsed.officer_number or docking.officer_number,
                marked=parsed.important, docking_id=docking.id, device_path=item.device_path,
                device_mtime=item.mtime, custody=custody,
            )

    report.items.append(_imported(store.write(record), name))


def _imported(record: EvidenceRecord, name: str) -> ImportedItem:
    return ImportedItem(record.id, name, record.sha256, record.size, record.kind)


def _custody(
    docking: Docking, driver: BodycamDriver, item: _DeviceFile, start: datetime | None,
    source: StartSource, volume: Path,
) -> dict[str, Any]:
    """What a court asks of a recorder file besides its bytes, all as strings and integers."""
    custody: dict[str, Any] = {
        "device_serial": docking.device_serial,
        "device_model": docking.device_model,
        "device_path": item.device_path,
        "device_mtime": item.mtime,
        "docking": docking.id,
        "start_source": source.value,
    }
    if docking.clock_offset_s is not None:
        custody["clock_offset_ms"] = _millis(docking.clock_offset_s)
    if start is not None and source is StartSource.NAME:
        # The name carries the device's local wall time; take off its clock error and zone.
        offset = timedelta(seconds=docking.clock_offset_s or 0.0)
        corrected = (start - offset - driver.adapter.device_utc_offset).replace(tzinfo=UTC)
        custody["device_start_local"] = start.isoformat()
        custody["start_utc_corrected"] = corrected.isoformat()
    track = _gps_track(item.path)
    if track is not None:
        custody["gps"] = track
    return custody


def _gps_track(media: Path) -> dict[str, Any] | None:
    """The fixes of a sidecar next to the media file (same stem, .NMEA/.GPS/.LOG), WGS-84."""
    for sibling in sorted(media.parent.iterdir()):
        stem, dot, ext = sibling.name.rpartition(".")
        if not dot or stem != media.stem or ext.lower() not in SIDECAR_EXTENSIONS:
            continue
        if sibling.is_symlink() or not sibling.is_file():
            continue
        with open(sibling, "rb") as handle:
            data = handle.read(MAX_SIDECAR_BYTES)
        points: list[list[str]] = []
        bad = 0
        for line in data.splitlines():
            if not line.strip():
                continue
            try:
                sentence = parse_sentence(line)
            except (NmeaError, UnicodeDecodeError):
                bad += 1
                continue
            if isinstance(sentence, Rmc) and sentence.valid and sentence.lat is not None \
                    and sentence.lon is not None and sentence.utc_date and sentence.utc_time:
                when = datetime.combine(sentence.utc_date, sentence.utc_time, UTC)
                points.append([when.isoformat(), f"{sentence.lat:.7f}", f"{sentence.lon:.7f}"])
                if len(points) >= MAX_TRACK_POINTS:
                    break
        return {"sidecar": printable(sibling.name), "points": len(points),
                "unreadable_lines": bad, "track": points, "datum": "WGS-84"}
    return None


def _certify(store: Store, docking: Docking, report: DockReport, policy: DockPolicy) -> Docking:
    """The signed manifest: the recorder, its clock, and every file this docking accounts for."""
    stored = records.items_for_docking(store.conn, docking.id)
    def entry(record: EvidenceRecord, status: str) -> IngestedFile:
        return IngestedFile(
            id=record.id, status=status, original_name=record.original_name,
            device_path=record.device_path or record.original_path, sha256=record.sha256,
            sm3=record.sm3, size=record.size, kind=record.kind, marked=record.marked,
            captured_at=record.captured_at)
    files = [entry(r, "stored") for r in stored]
    seen = {r.id for r in stored}
    for imported in report.already:  # taken by an earlier docking, still on the device
        if imported.id not in seen:
            seen.add(imported.id)
            files.append(entry(records.get_item(store.conn, imported.id), "already_stored"))
    manifest = IngestCertificate(
        docking=docking.id,
        store=store.store_id,
        device=RecorderIdentity(
            serial=docking.device_serial, model=docking.device_model,
            officer_number=docking.officer_number, officer_name=docking.officer_name,
            unit_number=docking.unit_number, unit_name=docking.unit_name),
        clock=DockingClock(
            host_time=docking.host_time.isoformat(), device_time=docking.device_time,
            offset_ms=_millis(docking.clock_offset_s),
            offset_after_sync_ms=_millis(docking.offset_after_sync_s)),
        case=docking.case_id,
        statement=docking.statement_id,
        started_at=docking.started_at.isoformat(),
        officer=store.officer.id,
        policy=IngestPolicy(delete_originals=policy.delete_originals, sm3=policy.sm3),
        files=tuple(files),
        skipped=tuple(IngestSkipped(name=s.name, reason=s.reason) for s in report.skipped),
    )
    with store.transaction() as tx:
        return dockings.complete_docking(tx, docking.id, manifest)


def _delete_originals(
    store: Store, docking: Docking, files: list[_DeviceFile], report: DockReport
) -> None:
    """Remove from the device only files whose vault copy is recorded and verifies now."""
    key = store.vault_key()
    verified_now = {i.id for i in report.items}
    for item in files:
        with store.reading() as conn:
            record = records.find_device_file(conn, docking.device_serial, item.device_path,
                                              item.size, item.mtime)
        if record is None:
            continue  # skipped: it stays on the device
        try:
            if record.id not in verified_now:
                verify_blob(records.blob_path(store.paths.workdir, record.sha256, key), key,
                            record.sha256)
            item.path.unlink()
        except (UserError, OSError) as exc:
            report.not_deleted.append(SkippedEntry(item.device_path, str(exc)))
            continue
        report.deleted.append(item.device_path)
        store.write(functools.partial(_audit_deleted, store, docking, record))


def _audit_deleted(store: Store, docking: Docking, record: EvidenceRecord) -> None:
    with store.transaction() as tx:
        tx.audit(Action.ORIGINAL_DELETED, record.id, docking=docking.id, sha256=record.sha256)
