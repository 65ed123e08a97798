"""Which certificate may sign as an officer, the unit seal or a device (decision 0015).

Certificates from a unit CA (`sync.protocol.pki`) carry a role extension (officer, seal) or,
for a device, none. A role extension, when present, must name the requested role. A
certificate without one (a bureau CA's, or a device's) is a device's only with the
"电子笔录室终端" CN prefix, and an officer's only with a subject serialNumber (the officer's
enforcement certificate number). The desktop applies these rules when a certificate is
imported (`desktop.documents.certcheck`); the PDF verifier applies them to the certificate
that signed an officer's field or the seal, on the desktop and at HQ alike.
"""

from __future__ import annotations

from gettext import gettext as _
from typing import Literal

from cryptography import x509
from cryptography.x509.oid import NameOID

from sync.protocol.pki import DEVICE_PREFIX, certificate_role
from verification.certificates import common_name

__all__ = ["ROLES", "Role", "certificate_number", "fits_role", "role_name", "role_problem"]

Role = Literal["officer", "seal", "device"]
ROLES: tuple[Role, ...] = ("officer", "seal", "device")


def certificate_number(certificate: x509.Certificate) -> str | None:
    """The subject's serialNumber: an officer's enforcement certificate number."""
    values = certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    return str(values[0].value) if values else None


def role_name(role: str) -> str:
    return {"officer": _("an officer"), "seal": _("the unit seal"),
            "device": _("a statement-room device")}.get(role, role)


def role_problem(certificate: x509.Certificate, role: Role) -> str | None:
    """Why `certificate` may not sign as `role`, in the user's words; None if it may."""
    name = common_name(certificate)
    wrong = _("The certificate of {name} is not one for {role}.").format(
        name=name, role=role_name(role))
    carried = certificate_role(certificate)
    if carried is not None:
        return None if carried == role else wrong
    is_device = name.startswith(DEVICE_PREFIX)
    if (role == "device") != is_device:
        return wrong
    if role == "officer" and certificate_number(certificate) is None:
        return _("The certificate of {name} does not carry an enforcement certificate number "
                 "(serialNumber).").format(name=name)
    return None


def fits_role(certificate: x509.Certificate, role: Role) -> bool:
    """Whether `certificate` may sign as `role` by the rules an import applies; the verifier
    asks it of the certificate that signed an officer's field or the seal."""
    return role_problem(certificate, role) is None
