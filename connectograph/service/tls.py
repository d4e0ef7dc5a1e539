"""A self-signed TLS certificate for the local service (neuprint-python only speaks https).

Made on first use with the ``cryptography`` package and kept in
``<home>/service/tls/`` (``cert.pem``; ``key.pem`` mode 600). It names
``localhost``, ``127.0.0.1`` and ``::1`` plus any host the service is bound to,
and is its own issuer, so clients trust it either by pointing at it
(``requests``/neuprint-python: ``REQUESTS_CA_BUNDLE=<home>/service/tls/cert.pem``)
or by not verifying (``Client(..., verify=False)``).
"""

from __future__ import annotations

import ipaddress
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .tokens import service_home

#: Validity of a generated certificate.
VALID_DAYS = 825


def tls_dir() -> Path:
    return service_home() / "tls"


def _names_for(hosts: list[str]) -> list[str]:
    names = ["localhost", "127.0.0.1", "::1"]
    for h in hosts:
        if h and h not in names and h not in ("0.0.0.0", "::"):
            names.append(h)
    return names


def _san(names: list[str]):
    from cryptography import x509
    entries = []
    for n in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            entries.append(x509.DNSName(n))
    return x509.SubjectAlternativeName(entries)


def _covers(cert_path: Path, names: list[str]) -> bool:
    from cryptography import x509
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    have = {str(v) for v in san.get_values_for_type(x509.DNSName)}
    have |= {str(v) for v in san.get_values_for_type(x509.IPAddress)}
    not_after = cert.not_valid_after_utc
    return set(names) <= have and not_after > datetime.now(timezone.utc) + timedelta(days=1)


def ensure_certificate(hosts: list[str] | None = None,
                       directory: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """Return ``(cert.pem, key.pem)``, generating them if missing, expired or
    not naming every host in ``hosts``.

    Parameters
    ----------
    hosts : list of str, optional
        Extra names or addresses the certificate must cover (the bind host).
    directory : path, optional
        Default ``<home>/service/tls``.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = Path(directory) if directory is not None else tls_dir()
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    names = _names_for(hosts or [])
    if cert_path.exists() and key_path.exists() and _covers(cert_path, names):
        return cert_path, key_path

    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "connectograph local service"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "connectograph")])
    now = datetime.now(timezone.utc)
    public = key.public_key()
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=VALID_DAYS))
            .add_extension(_san(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public),
                           critical=False)
            .sign(key, hashes.SHA256()))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
