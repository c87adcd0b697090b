"""Start-up check that the configured keys are the ones the data was written with."""

from __future__ import annotations

from django.db import DatabaseError, transaction

from lbc import crypto
from lbc.models import KeyCanary

CANARY_CONTEXT = "lbc_keycanary.token"
CANARY_TEXT = "canary"


def verify_keys(create_missing: bool = True) -> list[str]:
    """Return the problems found (empty when all is well). Creates canaries for new keys."""
    k = crypto.keys()
    try:
        canaries = list(KeyCanary.objects.all())
    except DatabaseError:
        return []  # tables not migrated yet: nothing can have been encrypted
    problems: list[str] = []
    seen = {(c.kind, c.key_id) for c in canaries}
    for canary in canaries:
        if canary.kind == "encryption":
            if canary.key_id not in k.encryption.keys:
                problems.append(
                    f"encryption key {canary.key_id!r} was used for stored data but is not configured"
                )
                continue
            try:
                ok = crypto.decrypt(canary.token, CANARY_CONTEXT) == CANARY_TEXT
            except crypto.DecryptionError:
                ok = False
            if not ok:
                problems.append(f"encryption key {canary.key_id!r} is not the key the data was written with")
        elif canary.kind == "blind_index":
            if canary.key_id not in k.blind_index.keys:
                problems.append(f"blind index key {canary.key_id!r} was used but is not configured")
            elif crypto.blind_index(CANARY_TEXT, "canary", canary.key_id) != canary.token:
                problems.append(
                    f"blind index key {canary.key_id!r} is not the key the indexes were built with"
                )
    if create_missing and not problems:
        # Only the active keys write data, so only they need a canary. An old key that
        # ``rotate_keys --retire`` has retired stays retired while it is still in the key file.
        enc_id, bidx_id = k.encryption.active, k.blind_index.active
        with transaction.atomic():
            if ("encryption", enc_id) not in seen:
                KeyCanary.objects.create(
                    kind="encryption",
                    key_id=enc_id,
                    token=crypto.encrypt(CANARY_TEXT, CANARY_CONTEXT, enc_id),
                )
            if ("blind_index", bidx_id) not in seen:
                KeyCanary.objects.create(
                    kind="blind_index",
                    key_id=bidx_id,
                    token=crypto.blind_index(CANARY_TEXT, "canary", bidx_id),
                )
    return problems


def ensure_keys_match() -> None:
    problems = verify_keys()
    if problems:
        raise crypto.KeyConfigurationError(
            "Refusing to start: " + "; ".join(problems) + ". Restore the right key file (LBC_KEY_FILE)."
        )
