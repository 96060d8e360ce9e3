from __future__ import annotations

from turnout.security.masking import mask_mapping, mask_secret
from turnout.security.passwords import hash_password, verify_password


def test_masks_keep_a_prefix_and_the_last_four():
    assert mask_secret("sk-proj-abcdefghijklmnopa1b2") == "sk-…a1b2"
    assert mask_secret("tk-AbCdEfGhIjKlMnOpQrSt") == "tk-…QrSt"
    assert mask_secret("0123456789abcdef0123456789abcdef") == "…cdef"
    assert mask_secret("short") == "…"
    assert mask_secret("") is None and mask_secret(None) is None


def test_mask_mapping_masks_secret_fields_at_any_depth():
    masked = mask_mapping(
        {"name": "x", "api_key": "sk-abcdefghijklmnop", "nested": {"password": "hunter22hunter22"}}
    )
    assert masked == {"name": "x", "api_key": "sk-…mnop", "nested": {"password": "…er22"}}


def test_password_hashes_are_salted_and_verify():
    first, second = hash_password("pa55word-long"), hash_password("pa55word-long")
    assert first != second and first.startswith("$argon2id$")
    assert verify_password("pa55word-long", first)
    assert not verify_password("wrong", first)
    assert not verify_password("anything", None)
    assert not verify_password("anything", "not-a-hash")
