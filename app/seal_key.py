"""Where the installation's seal key lives: one key, used by the PDF seal (app/export/seal.py) and by the
audit chain's checkpoints (app/audit/checkpoints.py), so it belongs below both.

In production the key is a PKCS#12 file and its passphrase from the environment (EXPORT_SEAL_PKCS12,
EXPORT_SEAL_PASSPHRASE). In development and tests a self-signed RSA-3072 seal is generated once into the
instance folder. RSA, not ECDSA: an ECDSA signature makes pyHanko write PDF 2.0, which is not PDF/A-3b.
"""
from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEV_SEAL_FILE = "export_seal.p12"
DEV_PASSPHRASE_FILE = "export_seal.passphrase"


class SealUnavailable(RuntimeError):
    pass


def seal_location(config) -> tuple[Path, bytes | None]:
    configured = config["EXPORT_SEAL_PKCS12"]
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise SealUnavailable(f"EXPORT_SEAL_PKCS12 names {path}, which is not a file.")
        passphrase = config["EXPORT_SEAL_PASSPHRASE"]
        return path, passphrase.encode("utf-8") if passphrase else None
    if config["ENV_NAME"] == "production":
        raise SealUnavailable("No seal is configured: set EXPORT_SEAL_PKCS12 and EXPORT_SEAL_PASSPHRASE.")
    return ensure_development_seal(Path(config["EXPORT_DEV_SEAL_DIR"]), config["EXPORT_SEAL_NAME"])


def ensure_development_seal(directory: Path, name: str) -> tuple[Path, bytes]:
    """A self-signed RSA-3072 seal, made once; later calls find it."""
    directory.mkdir(parents=True, exist_ok=True)
    path, secret_path = directory / DEV_SEAL_FILE, directory / DEV_PASSPHRASE_FILE
    if path.is_file() and secret_path.is_file():
        return path, secret_path.read_bytes().strip()
    passphrase = secrets.token_urlsafe(24).encode("ascii")
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} development seal"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                                key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                key_cert_sign=True, crl_sign=False, encipher_only=False,
                                                decipher_only=False), critical=True)
                   .sign(key, hashes.SHA256()))
    data = pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"), key, certificate, None, serialization.BestAvailableEncryption(passphrase))
    # Written beside and renamed: two processes starting at once never read half a file.
    token = secrets.token_hex(4)
    for target, content in ((secret_path, passphrase), (path, data)):
        temporary = target.with_name(f".{target.name}.{token}")
        temporary.write_bytes(content)
        temporary.chmod(0o600)
        os.replace(temporary, target)
    return path, passphrase
