"""Field encryption and blind indexes.

Values are encrypted with AES-GCM. The stored text is ``v1:<key id>:<base64(nonce + ciphertext)>`` so
keys rotate without downtime: old values stay readable while ``rotate_keys`` re-encrypts them.
The table and column are bound in as associated data, so a ciphertext copied into another column
does not decrypt. Exact search uses an HMAC blind index under a separate key, tagged with its key id.

The audit log's hash chain is an HMAC under a third key (``lbc/audit.py``), so someone who can
write to the database but cannot read the key file cannot recompute the chain.

Keys come from a JSON key file (``LBC_KEY_FILE``) or from the environment, never from SECRET_KEY,
the database or the repository::

    {"encryption": {"active": "k2", "keys": {"k1": "<base64 32 bytes>", "k2": "..."}},
     "blind_index": {"active": "b1", "keys": {"b1": "<base64 32 bytes>"}},
     "audit": {"active": "a1", "keys": {"a1": "<base64 32 bytes>"}}}

The environment form is ``LBC_ENCRYPTION_KEYS="k1:<b64>,k2:<b64>"`` with ``LBC_ENCRYPTION_ACTIVE=k2``,
and ``LBC_BLIND_INDEX_KEYS`` / ``LBC_BLIND_INDEX_ACTIVE`` and ``LBC_AUDIT_KEYS`` / ``LBC_AUDIT_ACTIVE``
likewise. ``manage.py generate_keys --if-missing PATH`` adds a missing audit key to an older key file
without touching the other keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "v1"
NONCE_BYTES = 12


class KeyConfigurationError(ImproperlyConfigured):
    """Keys are missing, malformed or do not match the data."""


class DecryptionError(Exception):
    """A stored value could not be decrypted: wrong key, tampered value or wrong column."""


@dataclass(frozen=True)
class KeyRing:
    active: str
    keys: dict[str, bytes]

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise DecryptionError(f"no key with id {key_id!r} is configured") from None


@dataclass(frozen=True)
class Keys:
    encryption: KeyRing
    blind_index: KeyRing
    audit: KeyRing


_lock = threading.Lock()
_keys: Keys | None = None


def _decode_key(key_id: str, text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyConfigurationError(f"{what} key {key_id!r} is not valid base64.") from None
    if len(raw) != 32:
        raise KeyConfigurationError(f"{what} key {key_id!r} must be 32 bytes, got {len(raw)}.")
    return raw


def _ring(section: Any, what: str) -> KeyRing:
    if not isinstance(section, dict):
        raise KeyConfigurationError(f"The {what} keys must be an object with 'active' and 'keys'.")
    keys_raw = section.get("keys") or {}
    active = section.get("active")
    if not isinstance(keys_raw, dict) or not keys_raw:
        raise KeyConfigurationError(f"No {what} keys are configured.")
    keys = {str(k): _decode_key(str(k), str(v), what) for k, v in keys_raw.items()}
    if active not in keys:
        raise KeyConfigurationError(f"The active {what} key {active!r} is not among the configured keys.")
    for key_id in keys:
        if not key_id.isalnum():
            raise KeyConfigurationError(f"{what} key id {key_id!r} must be letters and digits only.")
    return KeyRing(active=str(active), keys=keys)


def _from_env(prefix: str) -> dict[str, Any] | None:
    raw = os.environ.get(f"{prefix}_KEYS")
    if not raw:
        return None
    pairs = [item.split(":", 1) for item in raw.split(",") if item.strip()]
    if any(len(p) != 2 for p in pairs):
        raise KeyConfigurationError(f"{prefix}_KEYS must look like 'id:base64,id2:base64'.")
    return {"keys": {k.strip(): v.strip() for k, v in pairs}, "active": os.environ.get(f"{prefix}_ACTIVE")}


def load_keys() -> Keys:
    """Read the keys from the key file or the environment, failing with a clear message."""
    path = settings.LBC_KEY_FILE
    if path:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyConfigurationError(f"The key file {path} does not exist.") from None
        except (OSError, ValueError) as exc:
            raise KeyConfigurationError(f"The key file {path} cannot be read: {exc}") from None
        if not isinstance(data, dict):
            raise KeyConfigurationError(f"The key file {path} must hold a JSON object (see lbc/crypto.py).")
        enc, bidx, aud = data.get("encryption"), data.get("blind_index"), data.get("audit")
    else:
        enc, bidx = _from_env("LBC_ENCRYPTION"), _from_env("LBC_BLIND_INDEX")
        aud = _from_env("LBC_AUDIT")
        # Throwaway keys stand in only for an absent configuration, never for a broken one.
        if not enc and not bidx and not aud and settings.TESTING:
            return _throwaway_keys()
    if not enc or not bidx:
        raise KeyConfigurationError(
            "Encryption keys are missing. Set LBC_KEY_FILE to a key file (see lbc/crypto.py) or "
            "LBC_ENCRYPTION_KEYS/LBC_ENCRYPTION_ACTIVE and LBC_BLIND_INDEX_KEYS/LBC_BLIND_INDEX_ACTIVE. "
            "The application does not start without them."
        )
    encryption, blind = _ring(enc, "encryption"), _ring(bidx, "blind index")
    if not aud:
        raise KeyConfigurationError(
            "The audit key is missing. Add one with 'manage.py generate_keys --if-missing <key file>' "
            "(the other keys stay as they are) or set LBC_AUDIT_KEYS/LBC_AUDIT_ACTIVE."
        )
    audit_ring = _ring(aud, "audit")
    if set(encryption.keys.values()) & set(blind.keys.values()):
        raise KeyConfigurationError("The blind index keys must differ from the encryption keys.")
    if set(audit_ring.keys.values()) & (set(encryption.keys.values()) | set(blind.keys.values())):
        raise KeyConfigurationError("The audit keys must differ from the encryption and blind index keys.")
    return Keys(encryption=encryption, blind_index=blind, audit=audit_ring)


def _throwaway_keys() -> Keys:
    """Random per-process keys for the test suite only."""
    content = new_key_file_content()
    return Keys(
        _ring(content["encryption"], "encryption"),
        _ring(content["blind_index"], "blind index"),
        _ring(content["audit"], "audit"),
    )


def keys() -> Keys:
    global _keys
    if _keys is None:
        with _lock:
            if _keys is None:
                _keys = load_keys()
    return _keys


def reset_keys() -> None:
    """Forget cached keys (after a key file changes, and in tests)."""
    global _keys
    with _lock:
        _keys = None


def _fresh_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def new_key_file_content(enc_id: str = "k1", bidx_id: str = "b1", audit_id: str = "a1") -> dict[str, Any]:
    return {
        "encryption": {"active": enc_id, "keys": {enc_id: _fresh_key()}},
        "blind_index": {"active": bidx_id, "keys": {bidx_id: _fresh_key()}},
        "audit": {"active": audit_id, "keys": {audit_id: _fresh_key()}},
    }


def with_audit_key(content: dict[str, Any], audit_id: str = "a1") -> dict[str, Any] | None:
    """The key file content with an audit key added, or None when it already has one."""
    if content.get("audit"):
        return None
    return {**content, "audit": {"active": audit_id, "keys": {audit_id: _fresh_key()}}}


def audit_mac(data: bytes, key_id: str | None = None) -> tuple[str, str]:
    """(key id, hex HMAC-SHA256) of ``data`` under the audit key ``key_id`` (default: the active one)."""
    ring = keys().audit
    kid = key_id or ring.active
    return kid, hmac.new(ring.key(kid), data, hashlib.sha256).hexdigest()


def write_key_file(path: Path, content: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(content, fh, indent=2)
    os.replace(tmp, path)


def encrypt(plaintext: str, context: str, key_id: str | None = None) -> str:
    ring = keys().encryption
    kid = key_id or ring.active
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.key(kid)).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return f"{PREFIX}:{kid}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def key_id_of(token: str) -> str:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("stored value is not an encrypted token")
    return parts[1]


def decrypt(token: str, context: str) -> str:
    kid = key_id_of(token)
    try:
        blob = base64.b64decode(token.split(":", 2)[2], validate=True)
        plain = AESGCM(keys().encryption.key(kid)).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode("utf-8")
        )
    except (InvalidTag, binascii.Error, ValueError):
        raise DecryptionError(f"value under key {kid!r} does not decrypt for {context}") from None
    return plain.decode("utf-8")


def normalise_id_number(value: str) -> str:
    return value.strip().upper()


def normalise_phone(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def blind_index(value: str, purpose: str, key_id: str | None = None) -> str:
    """HMAC-SHA256 of the normalised value; the purpose keeps phone and ID indexes unrelated."""
    ring = keys().blind_index
    kid = key_id or ring.active
    mac = hmac.new(ring.key(kid), f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kid}${mac}"


def blind_index_candidates(value: str, purpose: str) -> list[str]:
    """Index values under every configured key, so search keeps working during a rotation."""
    return [blind_index(value, purpose, kid) for kid in keys().blind_index.keys]


class EncryptedTextField(models.TextField):
    """A text column stored encrypted. Only ``isnull`` lookups are allowed: ciphertext is not searchable.

    Empty strings are stored as empty strings (not encrypted) so optional fields stay optional;
    use a blind index field beside it for exact search.
    """

    description = "Encrypted text"

    def context(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value, self.context())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value), self.context())

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise TypeError(f"Encrypted field {self.name} cannot be searched with '{lookup_name}'.")
        return super().get_lookup(lookup_name)


def encrypted_fields(
    models_iter: Iterable[type[models.Model]],
) -> list[tuple[type[models.Model], EncryptedTextField]]:
    return [
        (model, field)
        for model in models_iter
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


# --- files -----------------------------------------------------------------------------------------

FILE_MAGIC = b"LBCF1\x00"  # then one byte: key id length, the key id (ASCII), the nonce, the ciphertext


def encrypt_bytes(data: bytes, context: str, key_id: str | None = None) -> bytes:
    """Seal a file's bytes under the active (or given) encryption key; the key id travels in the blob.

    ``context`` is bound in as associated data (for a stored file: its path under the media root), so
    a blob copied to another place does not decrypt there.
    """
    ring = keys().encryption
    kid = key_id or ring.active
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.key(kid)).encrypt(nonce, data, context.encode("utf-8"))
    label = kid.encode("ascii")
    return FILE_MAGIC + bytes([len(label)]) + label + nonce + sealed


def file_key_id(blob: bytes) -> str:
    """The key id a sealed file was encrypted under (read from its header, nothing is decrypted)."""
    if not blob.startswith(FILE_MAGIC) or len(blob) < len(FILE_MAGIC) + 1:
        raise DecryptionError("not an encrypted file")
    length = blob[len(FILE_MAGIC)]
    start = len(FILE_MAGIC) + 1
    label = blob[start : start + length]
    if len(label) != length or not label.isalnum():
        raise DecryptionError("damaged header of an encrypted file")
    return label.decode("ascii")


def decrypt_bytes(blob: bytes, context: str) -> bytes:
    kid = file_key_id(blob)
    body = blob[len(FILE_MAGIC) + 1 + len(kid) :]
    try:
        return AESGCM(keys().encryption.key(kid)).decrypt(
            body[:NONCE_BYTES], body[NONCE_BYTES:], context.encode("utf-8")
        )
    except (InvalidTag, ValueError):
        raise DecryptionError(f"file under key {kid!r} does not decrypt for {context}") from None
