"""Checkpoints: the installation seals the head of a group's chain with a key the database does not hold.

A hash chain alone only shows that it agrees with itself: whoever can write to
the database can edit an event and recompute every hash after it, or delete
the newest events. A checkpoint names the head (sequence number and hash) at
a moment and is signed with the installation's seal key (the one that seals
the PDF exports), so such a rewrite no longer matches the latest checkpoint,
and a forged checkpoint does not carry the seal's signature.

Checkpoints are sealed by `flask audit-checkpoint` (from cron) and at once
when something weighty is recorded (see services.WEIGHTY). Each sealed
checkpoint is also printed by the command, so a copy can be kept away from
the database.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from flask import current_app
from sqlalchemy import select

from app.audit.models import AuditCheckpoint, AuditEvent
from app.extensions import db
from app.seal_key import SealUnavailable, seal_location
from app.util import iso, utcnow

log = logging.getLogger(__name__)

PAYLOAD_KIND = "accord-audit-checkpoint"


class CheckpointKeyUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class CheckpointKey:
    private_key: object
    certificate_der: bytes

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.certificate_der).hexdigest()

    @property
    def algorithm(self) -> str:
        return "ecdsa-sha256" if isinstance(self.private_key, ec.EllipticCurvePrivateKey) else "rsa-pss-sha256"


_lock = threading.Lock()
_keys: dict[tuple, CheckpointKey] = {}


def seal_key(config=None) -> CheckpointKey:
    """The installation's seal key and certificate, read once per process (per file and change)."""
    config = config if config is not None else current_app.config
    try:
        path, passphrase = seal_location(config)
    except SealUnavailable as exc:
        raise CheckpointKeyUnavailable(str(exc)) from exc
    cache_key = (str(path), os.path.getmtime(path))
    with _lock:
        if cache_key not in _keys:
            try:
                private_key, certificate, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase)
            except ValueError as exc:
                raise CheckpointKeyUnavailable(f"The seal {path} could not be opened: {exc}") from exc
            if private_key is None or certificate is None:
                raise CheckpointKeyUnavailable(f"The seal {path} holds no key and certificate.")
            _keys[cache_key] = CheckpointKey(private_key, certificate.public_bytes(serialization.Encoding.DER))
        return _keys[cache_key]


def payload(group_id: int, seq: int, head_hash: str, created_at) -> bytes:
    """The canonical bytes a checkpoint's signature covers."""
    return json.dumps({"kind": PAYLOAD_KIND, "group_id": group_id, "seq": seq, "head_hash": head_hash,
                       "created_at": iso(created_at)}, sort_keys=True, separators=(",", ":")).encode("ascii")


def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def _sign(key: CheckpointKey, data: bytes) -> bytes:
    if isinstance(key.private_key, ec.EllipticCurvePrivateKey):
        return key.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(key.private_key, rsa.RSAPrivateKey):
        return key.private_key.sign(data, _pss(), hashes.SHA256())
    raise CheckpointKeyUnavailable("The seal's key is neither RSA nor ECDSA.")


def signature_holds(checkpoint: AuditCheckpoint, key: CheckpointKey) -> bool:
    """Whether the checkpoint was signed by this seal, over exactly what it says."""
    if checkpoint.certificate_sha256 != key.fingerprint:
        return False
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
    except ValueError:
        return False
    from cryptography import x509

    public_key = x509.load_der_x509_certificate(key.certificate_der).public_key()
    data = payload(checkpoint.group_id, checkpoint.seq, checkpoint.head_hash, checkpoint.created_at)
    try:
        if checkpoint.algorithm == "rsa-pss-sha256" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, _pss(), hashes.SHA256())
        elif checkpoint.algorithm == "ecdsa-sha256" and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def seal_checkpoint(group_id: int, head: AuditEvent, key: CheckpointKey | None = None) -> AuditCheckpoint:
    """Signs and adds a checkpoint for `head`, the group's newest event, in the caller's transaction."""
    key = key or seal_key()
    created_at = utcnow().replace(microsecond=0)
    signature = _sign(key, payload(group_id, head.seq, head.hash, created_at))
    checkpoint = AuditCheckpoint(group_id=group_id, seq=head.seq, head_hash=head.hash, created_at=created_at,
                                 algorithm=key.algorithm, certificate_sha256=key.fingerprint,
                                 signature=base64.b64encode(signature).decode("ascii"))
    db.session.add(checkpoint)
    return checkpoint


def seal_if_possible(group_id: int, head: AuditEvent) -> AuditCheckpoint | None:
    """The automatic checkpoint after a weighty event. Without a seal (a misconfigured
    installation) the event is still recorded and the log says why no checkpoint was sealed;
    `flask audit-checkpoint` fails loudly in that case."""
    try:
        return seal_checkpoint(group_id, head)
    except CheckpointKeyUnavailable as exc:
        log.warning("No audit checkpoint sealed for group %s at event %s: %s", group_id, head.seq, exc)
        return None


def latest_checkpoint(group_id: int) -> AuditCheckpoint | None:
    return db.session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.group_id == group_id)
                             .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc()).limit(1))


def checkpoint_json(checkpoint: AuditCheckpoint) -> dict:
    """What a checkpoint says, with its signature, as the command prints it and the API gives it."""
    return {"group_id": checkpoint.group_id, "seq": checkpoint.seq, "head_hash": checkpoint.head_hash,
            "created_at": iso(checkpoint.created_at), "algorithm": checkpoint.algorithm,
            "certificate_sha256": checkpoint.certificate_sha256, "signature": checkpoint.signature}
