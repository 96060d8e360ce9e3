"""Authenticated encryption of stored secrets, with several keys for rotation.

Every configured secret key (newest first) is stretched with HKDF into a Fernet key
(AES-128-CBC + HMAC-SHA256). Encryption uses the newest; decryption tries each, so
`turnout secrets rotate` can re-encrypt rows under the newest key while old ones still open.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_ENCRYPTION_INFO = b"turnout/provider-secrets/v1"
_SIGNING_INFO = b"turnout/session-tokens/v1"


class DecryptionError(ValueError):
    """A stored secret could not be opened with any configured key."""


def derive_key(secret: str, info: bytes, length: int = 32) -> bytes:
    """Stretch an operator-supplied secret into key material for one purpose."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(
        secret.encode("utf-8")
    )


class SecretBox:
    """Encrypts and decrypts provider secrets under the configured keys."""

    def __init__(self, secret_keys: Sequence[str]) -> None:
        if not secret_keys:
            raise ValueError("at least one secret key is required")
        self._fernet = MultiFernet(
            [Fernet(base64.urlsafe_b64encode(derive_key(k, _ENCRYPTION_INFO))) for k in secret_keys]
        )
        self.signing_keys = [derive_key(k, _SIGNING_INFO) for k in secret_keys]

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise DecryptionError(
                "stored secret cannot be decrypted with any configured key"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt a stored secret under the newest key."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise DecryptionError(
                "stored secret cannot be decrypted with any configured key"
            ) from exc
