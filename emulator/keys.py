"""A dev RSA signing key pair, made once so that the emulator and `syncrag token` agree."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PRIVATE_KEY_NAME = "signing.pem"
PUBLIC_KEY_NAME = "signing.pub.pem"


def ensure_dev_keypair(dir: Path) -> tuple[Path, Path]:
    """Return (private, public) PEM paths in `dir`, generating a 2048-bit RSA pair if absent.

    An existing private key is kept; a missing public half is derived from it.
    """
    dir.mkdir(parents=True, exist_ok=True)
    private_path = dir / PRIVATE_KEY_NAME
    public_path = dir / PUBLIC_KEY_NAME
    if private_path.exists():
        key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{private_path} is not an RSA private key; remove it to regenerate.")
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.NoEncryption(),
        )
        # Create with 0600 from the start so the key is never readable by others.
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
    if not public_path.exists():
        public_path.write_bytes(
            key.public_key().public_bytes(
                encoding=serialization.Encoding.PEM,
                format=serialization.PublicFormat.SubjectPublicKeyInfo,
            )
        )
    return private_path, public_path
