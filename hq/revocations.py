"""The ``revocations`` dataset gains the device certificates HQ revoked (decision 26).

When the administrator revokes a device (``statement-room-hq revoke-device``), the
certificates HQ issued it are marked revoked (`device_certs.revoke`); this publishes them to
every device as the next version of the ``revocations`` reference dataset, in the format the
desktop reads (``{"certificates": [{"sha256": hex, "revoked_at": …, "reason": …}]}``, the
SHA-256 of each certificate's DER). Entries already published, by hand or before, are kept:
the new version is the last one plus what is missing, and nothing is published when nothing
is missing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hq.refdata import current_versions, publish
from hq.state import HQState

__all__ = ["NAME", "listed_revocations", "publish_revoked_certificates"]

NAME = "revocations"


def listed_revocations(state: HQState) -> list[dict[str, object]]:
    """The entries of the latest published ``revocations`` (ValueError if unreadable)."""
    held = current_versions(state.db).get(NAME)
    if held is None:
        return []
    document = json.loads(b"".join(state.blobs.read(held[0].sha256)).decode("utf-8"))
    entries = document["certificates"] if isinstance(document, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "sha256" in e
                                                for e in entries):
        raise ValueError("the published revocations are not {\"certificates\": [...]}")
    return entries


def publish_revoked_certificates(state: HQState) -> int | None:
    """Publish every revoked device certificate not yet listed: the new version, or None."""
    entries = listed_revocations(state)
    listed = {str(e["sha256"]).lower() for e in entries}
    added = []
    for row in state.db.all("SELECT serial, device, certificate, revoked_ms FROM "
                            "device_certificates WHERE revoked_ms IS NOT NULL ORDER BY "
                            "revoked_ms, serial"):
        der = x509.load_pem_x509_certificate(str(row["certificate"]).encode("ascii")
                                             ).public_bytes(serialization.Encoding.DER)
        sha256 = hashlib.sha256(der).hexdigest()
        if sha256 not in listed:
            listed.add(sha256)
            added.append({"sha256": sha256, "revoked_at": datetime.fromtimestamp(
                int(row["revoked_ms"]) / 1000, UTC).isoformat(timespec="seconds"),
                "reason": f"device {row['device']} revoked at HQ (serial {row['serial']})"})
    if not added:
        return None
    data = json.dumps({"certificates": [*entries, *added]}, ensure_ascii=False, indent=1,
                      sort_keys=True).encode("utf-8") + b"\n"
    version, _new = publish(state, NAME, data)
    return version
