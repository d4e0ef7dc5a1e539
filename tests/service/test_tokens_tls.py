"""Unit tests (no server): token storage and the self-signed certificate."""

from __future__ import annotations

import hashlib
import stat

import pytest

from connectograph.errors import InvalidTokenError, ServiceError
from connectograph.service import TokenStore, ensure_certificate


def test_tokens_are_stored_hashed_and_private(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    token, info = store.create("laptop")
    text = (tmp_path / "tokens.json").read_text()
    assert token not in text
    assert hashlib.sha256(token.encode()).hexdigest() in text
    assert stat.S_IMODE((tmp_path / "tokens.json").stat().st_mode) == 0o600
    assert ":" not in token and '"' not in token       # neuprint-python splits on those
    assert store.verify(token).name == "laptop"
    assert [t.name for t in store.list()] == ["laptop"]


def test_unknown_missing_and_revoked_tokens_are_refused(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    a, info_a = store.create("a")
    b, _ = store.create("b")
    with pytest.raises(InvalidTokenError, match="missing bearer token"):
        store.verify("")
    with pytest.raises(InvalidTokenError, match="unknown or revoked"):
        store.verify(a + "x")
    store.revoke(info_a.id)
    with pytest.raises(InvalidTokenError):
        store.verify(a)
    assert store.verify(b).name == "b"
    # A second store on the same file (another process) sees the revocation too.
    other = TokenStore(tmp_path / "tokens.json")
    other.revoke("b")
    with pytest.raises(InvalidTokenError):
        store.verify(b)
    with pytest.raises(ServiceError, match="no token has id or name"):
        store.revoke("b")


def test_certificate_is_made_once_and_names_loopback(tmp_path):
    from cryptography import x509

    cert, key = ensure_certificate(directory=tmp_path)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    parsed = x509.load_pem_x509_certificate(cert.read_bytes())
    san = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} >= {"127.0.0.1", "::1"}
    before = cert.read_bytes()
    assert ensure_certificate(directory=tmp_path)[0].read_bytes() == before   # reused
    # A new bind address not covered yet makes a new certificate naming it.
    cert2, _ = ensure_certificate(["10.1.2.3"], directory=tmp_path)
    parsed2 = x509.load_pem_x509_certificate(cert2.read_bytes())
    san2 = parsed2.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "10.1.2.3" in {str(ip) for ip in san2.get_values_for_type(x509.IPAddress)}
