"""The actor's key pair: RSA 2048, as Mastodon and every fediverse server verify it, made on the
first start of a daemon whose header names a fediverse account and kept beside the history,
`events.fediverse.pem` (private, mode 0600): a follower knows the actor by its public key, so a
new key would be a stranger to every server that follows it. Never among the outputs; keep it
out of version control (the project's .gitignore does)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from timeline.errors import TimelineError

_BITS = 2048  # what Mastodon makes for its own actors


@dataclass(frozen=True)
class KeyPair:
    private: rsa.RSAPrivateKey

    def sign(self, data: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 of `data`: what an HTTP signature's rsa-sha256 is."""
        return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())

    @property
    def public_pem(self) -> str:
        """The public key as the actor document gives it (SubjectPublicKeyInfo, PEM)."""
        return (
            self.private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )


class NotAKey(ValueError):
    """A public key that cannot be read, or is not RSA."""


def signed_by(public_key_pem: str, signature: bytes, data: bytes) -> bool:
    """Whether `signature` is RSASSA-PKCS1-v1_5 with SHA-256 of `data` by the key's owner;
    NotAKey if the key is no RSA public key in PEM."""
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
    except (ValueError, TypeError):
        raise NotAKey("the key cannot be read") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise NotAKey("the key is not an RSA key")
    try:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def key_path(source: Path) -> Path:
    """Where the key pair of the timeline of `source` is kept: beside it and its history."""
    return source.with_name(source.stem + ".fediverse.pem")


def key_pair(path: Path) -> KeyPair:
    """The key pair kept at `path`, made and written there first if there is none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        made = rsa.generate_private_key(public_exponent=65537, key_size=_BITS)
        # Another process may have made one meanwhile: then theirs is the key.
        return KeyPair(made) if _written(path, made) else key_pair(path)
    except OSError as error:
        raise TimelineError(
            f"{path}: cannot read the fediverse key ({error.strerror}); fix its permissions"
        ) from None
    try:
        loaded = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        loaded = None
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise TimelineError(
            f"{path}: not the fediverse key timeline writes (an unencrypted RSA private key in PEM). "
            "Restore it from your backup: with a new key, every server that follows the account "
            "would have to follow it again"
        )
    return KeyPair(loaded)


def _written(path: Path, key: rsa.RSAPrivateKey) -> bool:
    """Write the key whole or not at all, readable by its owner alone from the first byte; False
    if a key is there already."""
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.link(temporary, path)  # never over a key another process wrote meanwhile
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    return True
