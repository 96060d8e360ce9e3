"""Property 4: provider keys survive encryption, are opaque at rest, and rotate."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.security.crypto import DecryptionError, SecretBox

OLD, NEW = "old-secret-key-0123456789abcdefghij", "new-secret-key-0123456789abcdefghij"


@settings(max_examples=200)
@given(plaintext=st.text(min_size=12, max_size=300))
def test_property_04_api_key_encryption_round_trip(plaintext):
    box = SecretBox([NEW])
    token = box.encrypt(plaintext)
    assert plaintext not in token
    assert box.decrypt(token) == plaintext
    assert box.encrypt(plaintext) != token  # fresh IV every time


@given(plaintext=st.text(min_size=1, max_size=100))
def test_rotation_moves_secrets_to_the_newest_key(plaintext):
    old_token = SecretBox([OLD]).encrypt(plaintext)
    both = SecretBox([NEW, OLD])
    rotated = both.rotate(old_token)
    assert SecretBox([NEW]).decrypt(rotated) == plaintext
    with pytest.raises(DecryptionError):
        SecretBox([NEW]).decrypt(old_token)


def test_tampered_or_foreign_ciphertext_is_refused():
    token = SecretBox([NEW]).encrypt("sk-live-secret")
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(DecryptionError):
        SecretBox([NEW]).decrypt(tampered)
    with pytest.raises(DecryptionError):
        SecretBox([OLD]).decrypt(token)


def test_a_key_is_required():
    with pytest.raises(ValueError):
        SecretBox([])
