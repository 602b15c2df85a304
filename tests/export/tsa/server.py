"""A real RFC 3161 time-stamp server for the tests: certomancer's animator (by pyHanko's author) serving
the authority of certomancer.yml, with werkzeug on 127.0.0.1 and a free port, in a thread.

The root and TSA keys are generated into a temporary folder each time, so no private key is kept in the
repository."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.live import _free_port

CONFIG = Path(__file__).resolve().parent / "certomancer.yml"
ARCH, SERVICE = "accord-test", "tsa"
AUTHORITY = "Accord Test Time Stamping Authority"


@dataclass
class TestTsa:
    url: str
    root: x509.Certificate  # trust this to trust the authority's time stamps
    certificate: x509.Certificate  # the authority's own certificate
    root_pem: Path


def _write_key(path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


@contextmanager
def running_tsa(folder: Path):
    """A TestTsa answering on its url until the block ends."""
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # each stamp would print a line into the test output
            pass

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("root", "tsa"):
        _write_key(folder / f"{name}.key.pem")
    config = CertomancerConfig.from_file(str(CONFIG), key_search_dir=str(folder))
    arch = config.get_pki_arch(ArchLabel(ARCH))
    animator = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False, allow_time_override=False)
    port = _free_port()
    server = make_server("127.0.0.1", port, animator, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="test-tsa", daemon=True)
    thread.start()
    root = arch.get_cert(CertLabel("root"))
    root_pem = folder / "tsa-root.pem"
    from asn1crypto import pem

    root_pem.write_bytes(pem.armor("CERTIFICATE", root.dump()))
    try:
        yield TestTsa(url=f"http://127.0.0.1:{port}/{ARCH}/tsa/{SERVICE}", root=root,
                      certificate=arch.get_cert(CertLabel("tsa")), root_pem=root_pem)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
