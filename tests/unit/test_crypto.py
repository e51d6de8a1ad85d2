"""Encryption of personal data at rest: the keyring, the stored form, the blind index."""

import base64

import pytest

from app.personal_data.encryption import (
    DecryptionError,
    Keyring,
    KeyringError,
    UnknownKeyError,
    new_key,
    new_key_id,
    parse_data_keys,
)

OLD = new_key()
NEW = new_key()
INDEX = new_key()


def keyring(data_keys: str, blind: str = INDEX, previous: str = "") -> Keyring:
    return Keyring.from_settings(data_keys, blind, previous)


def test_a_value_round_trips_and_is_stored_tagged_with_its_key():
    ring = keyring(f"k1:{OLD}")
    stored = ring.encrypt("maria@example.pt", "customers.email")
    assert stored.startswith("v1:k1:")
    assert "maria" not in stored
    assert ring.decrypt(stored, "customers.email") == "maria@example.pt"
    # A fresh nonce each time: equal emails do not give equal ciphertexts.
    assert ring.encrypt("maria@example.pt", "customers.email") != stored
    assert ring.decrypt(ring.encrypt("Conceição", "customers.name"), "customers.name") == (
        "Conceição"
    )


def test_a_value_moved_to_another_column_does_not_decrypt():
    ring = keyring(f"k1:{OLD}")
    nif = ring.encrypt("123456789", "customers.nif")
    with pytest.raises(DecryptionError, match=r"customers\.phone.*does not authenticate"):
        ring.decrypt(nif, "customers.phone")


def test_a_tampered_value_is_refused():
    ring = keyring(f"k1:{OLD}")
    stored = ring.encrypt("912345678", "customers.phone")
    prefix, body = stored.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[-1] ^= 1
    flipped = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(DecryptionError, match="does not authenticate"):
        ring.decrypt(f"{prefix}:{flipped}", "customers.phone")
    with pytest.raises(DecryptionError, match="damaged"):
        ring.decrypt(f"{prefix}:{body[:-3]}!!!", "customers.phone")
    with pytest.raises(DecryptionError, match="too short"):
        ring.decrypt(f"{prefix}:{body[:20]}", "customers.phone")


def test_plaintext_in_an_encrypted_column_is_refused_without_repeating_it():
    ring = keyring(f"k1:{OLD}")
    with pytest.raises(DecryptionError) as refused:
        ring.decrypt("maria@example.pt", "customers.email")
    assert "maria" not in str(refused.value)
    assert "not a v1 encrypted value" in str(refused.value)


def test_an_unknown_key_id_is_named_in_the_error():
    stored = keyring(f"k2:{NEW}").encrypt("maria@example.pt", "customers.email")
    with pytest.raises(UnknownKeyError, match=r"key 'k2', which is not in DATA_KEYS \(known: k1\)"):
        keyring(f"k1:{OLD}").decrypt(stored, "customers.email")


def test_the_first_key_encrypts_and_older_keys_still_decrypt():
    before = keyring(f"k1:{OLD}").encrypt("912345678", "customers.phone")
    rotating = keyring(f"k2:{NEW},k1:{OLD}")
    assert rotating.current_key_id == "k2"
    assert rotating.key_id_of(before) == "k1"
    assert rotating.decrypt(before, "customers.phone") == "912345678"
    after = rotating.encrypt("912345678", "customers.phone")
    assert rotating.key_id_of(after) == "k2"
    assert keyring(f"k2:{NEW}").decrypt(after, "customers.phone") == "912345678"


def test_the_blind_index_ignores_case_and_spaces_and_depends_on_its_key():
    ring = keyring(f"k1:{OLD}")
    index = ring.blind_index("maria@example.pt")
    assert len(index) == 64 and int(index, 16) >= 0
    assert ring.blind_index("  Maria@EXAMPLE.pt\n") == index
    assert ring.blind_index("mario@example.pt") != index
    # The data keys do not enter it: rotating them leaves every index valid.
    assert keyring(f"k2:{NEW}").blind_index("maria@example.pt") == index
    assert keyring(f"k1:{OLD}", blind=new_key()).blind_index("maria@example.pt") != index


def test_while_the_blind_index_key_changes_both_indexes_are_searched():
    before = keyring(f"k1:{OLD}").blind_index("maria@example.pt")
    changing = keyring(f"k1:{OLD}", blind=new_key(), previous=INDEX)
    indexes = changing.blind_indexes("Maria@example.pt")
    assert indexes == [changing.blind_index("maria@example.pt"), before]


def test_malformed_key_settings_say_what_is_wrong():
    with pytest.raises(KeyringError, match="no key"):
        parse_data_keys(" , ")
    with pytest.raises(KeyringError, match="twice"):
        parse_data_keys(f"k1:{OLD},k1:{NEW}")
    with pytest.raises(KeyringError, match="key id"):
        parse_data_keys(OLD)
    with pytest.raises(KeyringError, match="32 bytes"):
        parse_data_keys("k1:" + base64.urlsafe_b64encode(b"x" * 16).decode())
    with pytest.raises(KeyringError, match="BLIND_INDEX_KEY is not set"):
        Keyring.from_settings(f"k1:{OLD}", "")
    # Padded base64url (as other tools print it) is accepted too.
    padded = base64.urlsafe_b64encode(b"k" * 32).decode()
    assert padded.endswith("=")
    assert parse_data_keys(f"k1:{padded}") == [("k1", b"k" * 32)]


def test_generated_keys_are_well_formed():
    key_id = new_key_id()
    assert parse_data_keys(f"{key_id}:{new_key()}")[0][0] == key_id
    assert new_key() != new_key()
