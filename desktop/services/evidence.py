"""Evidence files: import into the encrypted vault, verify the vault, export a file.

Import reads each file once (SHA-256, optionally SM3, and encryption in one pass), then reads
the stored blob back (decrypt and re-hash) before anything is recorded; the record and its
audit event go into one transaction per file, so every recorded item has a verified blob.
File names are untrusted: symbolic links and anything that is not a regular file are skipped
and reported, never followed; names that are not UTF-8 are kept with their bytes escaped.

Lanes (decision 12, amended by issue 12): importing, verifying and exporting read or write
whole files, so they are long work: they read through `store.reading()` and hand their short
transactions to `store.write`. Listing and showing items are reads (`store.reading()`).
"""

from __future__ import annotations

import contextlib
import hmac
import io
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from gettext import gettext as _
from pathlib import Path

from desktop.domain.errors import UserError
from desktop.domain.ids import new_id
from desktop.domain.model import Action, Outcome
from desktop.i18n import os_error_text
from desktop.store import cases, dockings, sync_state
from desktop.store import evidence as records
from desktop.store.dockings import Docking
from desktop.store.evidence import EvidenceRecord
from desktop.store.files import fsync_directory
from desktop.store.store import Store
from desktop.store.vault_format import VaultIntegrityError
from desktop.store.vault_read import decrypt_to, verify_blob
from desktop.store.vault_stream import VaultWriteError, encrypt_file
from desktop.store.vault_tidy import ingest_guard
from hardware.bodycam.filenames import StartSource, kind_for_extension, parse_name

_DOCUMENT_EXTENSIONS = frozenset(
    {"pdf", "doc", "docx", "odt", "txt", "rtf", "xls", "xlsx", "ods", "csv"}
)
_DISPLAY_MAX = 1024  # characters of a hostile name or path kept for display


@dataclass(frozen=True)
class ImportedItem:
    id: str
    original_name: str
    sha256: str
    size: int
    kind: str
    duplicate: bool = False  # already in this case: reported, not recorded again


@dataclass(frozen=True)
class SkippedEntry:
    name: str  # printable form of the path (non-UTF-8 bytes escaped)
    reason: str


@dataclass
class ImportReport:
    items: list[ImportedItem] = field(default_factory=list)  # newly recorded
    duplicates: list[ImportedItem] = field(default_factory=list)
    skipped: list[SkippedEntry] = field(default_factory=list)


@dataclass(frozen=True)
class EvidenceProblem:
    item_id: str
    original_name: str
    message: str


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    problems: tuple[EvidenceProblem, ...]
    held_at_hq: int = 0  # purged locally after HQ's receipt (desktop.services.sync_purge)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sha256: str
    size: int


def printable(name: str | bytes | os.PathLike[str]) -> str:
    """A file name or path as storable, printable text: undecodable bytes become \\xNN."""
    raw = os.fsencode(name)
    text = raw.decode("utf-8", "backslashreplace")
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= _DISPLAY_MAX else text[: _DISPLAY_MAX - 1] + "…"


def evidence_kind(name: str) -> str:
    media = kind_for_extension(name)
    if media is not None:
        return media.value
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ext.lower() in _DOCUMENT_EXTENSIONS:
        return "document"
    return "other"


def regular_files(
    root: Path, skipped: list[SkippedEntry], exclude: Path | None = None
) -> Iterator[Path]:
    """Regular files under `root` in a stable order; everything else goes to `skipped`."""
    try:
        with os.scandir(root) as scan:
            entries = sorted(scan, key=lambda e: os.fsencode(e.name))
    except OSError as exc:
        skipped.append(SkippedEntry(printable(root), _("cannot read the folder ({error})")
                                    .format(error=os_error_text(exc))))
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            if entry.is_symlink():
                skipped.append(SkippedEntry(printable(path), _("symbolic link (not followed)")))
            elif entry.is_dir(follow_symlinks=False):
                if exclude is not None and path.resolve() == exclude:
                    skipped.append(SkippedEntry(printable(path), _("the store's own folder")))
                else:
                    yield from regular_files(path, skipped, exclude)
            elif entry.is_file(follow_symlinks=False):
                yield path
            else:
                skipped.append(SkippedEntry(printable(path), _("not a regular file")))
        except OSError as exc:
            skipped.append(SkippedEntry(printable(path), _("cannot read it ({error})")
                                        .format(error=os_error_text(exc))))


def open_regular(path: Path) -> int:
    """Open without following a symbolic link and check it is (still) a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise IsADirectoryError(0, "not a regular file")
    return fd


def import_path(
    store: Store,
    case_id: str | None,
    path: Path,
    *,
    statement_id: str | None = None,
    sm3: bool = False,
) -> ImportReport:
    """Import a file, or every regular file under a folder (recursively, in name order).

    Without `case_id` the evidence is kept unfiled until `file_item` puts it under a case.
    """
    with store.reading() as conn:
        if case_id is not None:  # without a case the files are kept unfiled, filed later
            cases.get_case(conn, case_id)  # refuses an unknown case before any work
        records.check_statement_in_case(conn, case_id, statement_id)
    report = ImportReport()
    try:
        info = path.lstat()
    except OSError as exc:
        raise UserError(_("Cannot read {path}.").format(path=printable(path))) from exc
    vault = records.vault_directory(store.paths.workdir)
    if stat.S_ISLNK(info.st_mode):
        report.skipped.append(SkippedEntry(printable(path), _("symbolic link (not followed)")))
        return report
    if stat.S_ISDIR(info.st_mode):
        files: Iterator[Path] = regular_files(path, report.skipped, store.paths.workdir.resolve())
    elif stat.S_ISREG(info.st_mode):
        files = iter([path])
    else:
        report.skipped.append(SkippedEntry(printable(path), _("not a regular file")))
        return report
    key = store.vault_key()
    for file in files:
        with ingest_guard(vault):  # until the record commits: the open-time sweep waits
            _import_one(store, case_id, file, statement_id, sm3, key, vault, report)
    return report


def _import_one(
    store: Store, case_id: str | None, file: Path, statement_id: str | None, sm3: bool, key: bytes,
    vault: Path, report: ImportReport,
) -> None:
    name = printable(file.name)
    try:
        fd = open_regular(file)
    except OSError as exc:
        report.skipped.append(SkippedEntry(printable(file), _("cannot read it ({error})")
                                           .format(error=os_error_text(exc))))
        return
    with os.fdopen(fd, "rb", buffering=0) as handle:
        mtime = os.fstat(handle.fileno()).st_mtime
        try:
            blob = encrypt_file(handle, vault, key)
        except (VaultIntegrityError, VaultWriteError):
            raise
        except UserError as exc:  # the file changed while it was read
            report.skipped.append(SkippedEntry(printable(file), str(exc)))
            return
    with store.reading() as conn:
        existing = records.find_in_case(conn, case_id, blob.sha256)
    if existing is not None:
        report.duplicates.append(ImportedItem(existing.id, name, blob.sha256, blob.size,
                                              existing.kind, duplicate=True))
        return
    # Read back before recording anything; SM3, when asked for, is computed in this pass.
    sm3_hex = verify_blob(blob.path, key, blob.sha256, sm3=sm3)
    parsed = parse_name(os.fsencode(file.name), mtime=mtime)
    kind = evidence_kind(parsed.raw)
    captured = parsed.start.isoformat() if parsed.start_source is StartSource.NAME and \
        parsed.start is not None else None
    item_id = new_id()

    def record_it() -> EvidenceRecord:  # the one short transaction, on the store lane
        with store.transaction() as tx:
            return records.record_item(
                tx, item_id=item_id, case_id=case_id, statement_id=statement_id,
                sha256=blob.sha256, sm3=sm3_hex, size=blob.size, kind=kind, source="folder",
                original_name=name, original_path=printable(file.absolute()),
                captured_at=captured, device_serial=parsed.serial,
                officer_number=parsed.officer_number, marked=parsed.important,
            )

    record = store.write(record_it)
    report.items.append(ImportedItem(record.id, name, record.sha256, record.size, record.kind))


def held_at_hq(store: Store, sha256: str) -> str | None:
    """The receipt under which HQ holds a medium purged from the vault, or None."""
    with store.reading() as conn:
        return sync_state.purged_receipt(conn, sha256)


def missing_blob(store: Store, item: EvidenceRecord) -> UserError:
    """Why an item's bytes cannot be read here: held at HQ after a purge, or missing."""
    receipt = held_at_hq(store, item.sha256)
    if receipt is not None:
        return UserError(_("Evidence item {id} is held at HQ (receipt {receipt}); its local "
                           "copy was purged after HQ's receipt.").format(id=item.id,
                                                                        receipt=receipt))
    return UserError(_("The vault file of evidence item {id} is missing.").format(id=item.id))


def _problem(item: EvidenceRecord, problem: str) -> EvidenceProblem:
    return EvidenceProblem(item.id, item.original_name, _(
        "Evidence item {id} ({name}) failed verification: {problem}").format(
            id=item.id, name=item.original_name, problem=problem))


def verify_all(store: Store) -> VerifyReport:
    """Decrypt and re-hash every evidence item's blob; name every item that fails."""
    key = store.vault_key()
    with store.reading() as conn:
        items = records.all_items(conn)
    problems: list[EvidenceProblem] = []
    held = 0
    for item in items:
        blob = records.blob_path(store.paths.workdir, item.sha256, key)
        if not blob.is_file():
            if held_at_hq(store, item.sha256) is not None:
                held += 1  # purged after HQ's receipt: not a problem
                continue
            problems.append(_problem(item, _("its vault file is missing.")))
            continue
        try:
            verify_blob(blob, key, item.sha256)
        except VaultIntegrityError as exc:
            problems.append(_problem(item, str(exc)))
        except OSError as exc:
            problems.append(_problem(item, _("its vault file cannot be read ({error}).")
                                     .format(error=os_error_text(exc))))

    def audit() -> None:
        with store.transaction() as tx:
            tx.audit(Action.EVIDENCE_VERIFIED, None,
                     Outcome.OK if not problems else Outcome.FAILED, checked=len(items),
                     failed=len(problems),
                     failed_items=",".join(p.item_id for p in problems) or None,
                     held_at_hq=held)

    store.write(audit)
    return VerifyReport(len(items), tuple(problems), held)


def export_item(store: Store, item_id: str, out: Path) -> ExportResult:
    """Write the original bytes of an item to `out` (temporary file, checked, then renamed)."""
    with store.reading() as conn:
        item = records.get_item(conn, item_id)
    if out.exists() or out.is_symlink():
        raise UserError(_("{path} already exists; choose another file name.").format(
            path=printable(out)))
    key = store.vault_key()
    blob = records.blob_path(store.paths.workdir, item.sha256, key)
    if not blob.is_file():
        raise missing_blob(store, item)
    directory = out.parent
    tmp = directory / f".{out.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)
    except OSError as exc:
        raise UserError(_("Cannot write to {path}.").format(path=printable(directory))) from exc
    try:
        with os.fdopen(fd, "wb") as sink:
            digest = decrypt_to(blob, key, sink)
            sink.flush()
            os.fsync(sink.fileno())
        if digest != item.sha256:
            raise VaultIntegrityError(_(
                "Evidence item {id} decrypted to content that does not match its recorded "
                "SHA-256; nothing was exported.").format(id=item.id))
        os.replace(tmp, out)
        fsync_directory(directory)
    except OSError as exc:  # the target filled up or went away while writing
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise UserError(_("Cannot write to {path} ({error}); nothing was exported.").format(
            path=printable(out), error=os_error_text(exc))) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise

    def audit() -> None:
        with store.transaction() as tx:
            tx.audit(Action.EVIDENCE_EXPORTED, item.id, sha256=item.sha256, size=item.size)

    store.write(audit)
    return ExportResult(out, item.sha256, item.size)


def file_item(store: Store, item_id: str, case_id: str,
              statement_id: str | None = None) -> EvidenceRecord:
    """File unfiled evidence (a docking at the end of a shift, say) under a case, once."""
    cases.get_case(store.conn, case_id)
    with store.transaction() as tx:
        return records.file_item(tx, item_id, case_id, statement_id)


MAX_IN_MEMORY = 64 << 20  # a photo shown on screen; larger items are exported instead


def case_items(store: Store, case_id: str) -> list[EvidenceRecord]:
    """The evidence filed under a case, oldest import first."""
    with store.reading() as conn:
        cases.get_case(conn, case_id)
        return records.items_for_case(conn, case_id)


def item_with_docking(store: Store, item_id: str) -> tuple[EvidenceRecord, Docking | None]:
    """An item and, for a recorder file, the docking that took it (clock, certificate)."""
    with store.reading() as conn:
        item = records.get_item(conn, item_id)
        docking = None if item.docking_id is None else dockings.get_docking(conn,
                                                                            item.docking_id)
    return item, docking


def read_item(store: Store, item_id: str, *, limit: int = MAX_IN_MEMORY) -> bytes:
    """The plaintext of a small item, decrypted into memory only (never a temporary file).

    The bytes are returned only when their SHA-256 is the recorded one.
    """
    with store.reading() as conn:
        item = records.get_item(conn, item_id)
    if item.size > limit:
        raise UserError(_("Evidence item {name} is too large to show here; export it "
                          "instead.").format(name=item.original_name))
    key = store.vault_key()
    blob = records.blob_path(store.paths.workdir, item.sha256, key)
    if not blob.is_file():
        raise missing_blob(store, item)
    sink = io.BytesIO()
    digest = decrypt_to(blob, key, sink)
    if not hmac.compare_digest(digest, item.sha256):
        raise VaultIntegrityError(_(
            "Evidence item {id} decrypted to content that does not match its recorded "
            "SHA-256.").format(id=item.id))
    return sink.getvalue()
