"""Key rotation: values and blind indexes move to the new key without losing an edit or a search."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from pytest_django import Settings

from lbc import crypto, rotation
from lbc.keycheck import ensure_keys_match, verify_keys
from lbc.models import AuditEvent, Child, Guardian, KeyCanary, Parent
from lbc.services.children import find_child_by_id_number, save_guardian
from tests.conftest import World


@pytest.fixture
def key_file(tmp_path: Path, settings: Settings) -> Iterator[Path]:
    """A real key file (k1, b1) instead of the suite's throwaway keys; keys are forgotten afterwards."""
    path = tmp_path / "keys" / "keys.json"
    crypto.write_key_file(path, crypto.new_key_file_content())
    settings.LBC_KEY_FILE = str(path)
    settings.MEDIA_ROOT = tmp_path / "media"  # sealed files of other tests are under other keys
    crypto.reset_keys()
    yield path
    crypto.reset_keys()


@pytest.fixture
def k1_world(key_file: Path, world: World) -> World:
    """The world, written under k1/b1 by an application that has started once (canaries exist)."""
    ensure_keys_match()
    return world


def add_active_key(path: Path, section: str, key_id: str) -> None:
    """Step 1 and 2 of the procedure: add a new key, make it active, restart."""
    content = json.loads(path.read_text(encoding="utf-8"))
    content[section]["keys"][key_id] = crypto.new_key_file_content()["encryption"]["keys"]["k1"]
    content[section]["active"] = key_id
    crypto.write_key_file(path, content)
    crypto.reset_keys()


def remove_key(path: Path, section: str, key_id: str) -> None:
    content = json.loads(path.read_text(encoding="utf-8"))
    del content[section]["keys"][key_id]
    crypto.write_key_file(path, content)
    crypto.reset_keys()


def raw_encrypted_values() -> dict[tuple[str, Any], str]:
    """{(column label, pk): raw stored text} for every non-empty encrypted value."""
    values: dict[tuple[str, Any], str] = {}
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        for col in rotation.encrypted_columns():
            cur.execute(f"SELECT {q(col.pk_column)}, {q(col.column)} FROM {q(col.table)}")  # noqa: S608
            values.update({(col.label, pk): raw for pk, raw in cur.fetchall() if raw})
    return values


def decrypted(values: dict[tuple[str, Any], str]) -> dict[tuple[str, Any], str]:
    contexts = {c.label: c.context for c in rotation.encrypted_columns()}
    return {key: crypto.decrypt(raw, contexts[key[0]]) for key, raw in values.items()}


def stored_indexes() -> dict[tuple[str, Any], str]:
    found: dict[tuple[str, Any], str] = {}
    for col in rotation.blind_index_columns():
        rows = col.model._default_manager.values_list("pk", col.index_field)
        found.update({(col.label, pk): index for pk, index in rows if index})
    return found


def rotate(*args: str, **options: Any) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out, **options)
    return out.getvalue()


def everyone_is_findable() -> None:
    for child in Child.objects.filter(id_number_index__isnull=False):
        found = find_child_by_id_number(child.id_number)
        assert found is not None and found.pk == child.pk
    for model in (Guardian, Parent):
        for person in model.objects.all():
            candidates = crypto.blind_index_candidates(crypto.normalise_phone(person.phone), "phone")
            assert model.objects.filter(pk=person.pk, phone_index__in=candidates).exists()


# --- encrypted values -----------------------------------------------------------------------------


def test_it_reencrypts_every_value_under_the_new_key(key_file: Path, k1_world: World) -> None:
    before = raw_encrypted_values()
    assert len(before) >= 10 and all(raw.startswith("v1:k1:") for raw in before.values())
    plaintexts = decrypted(before)
    add_active_key(key_file, "encryption", "k2")

    output = rotate(batch_size=3)

    after = raw_encrypted_values()
    assert after.keys() == before.keys()
    assert all(raw.startswith("v1:k2:") for raw in after.values())
    assert decrypted(after) == plaintexts
    assert f"Total: {len(before)} found, {len(before)} rotated, 0 skipped, 0 remaining." in output
    assert "lbc_child.id_number: 4 under old keys, 4 rotated" in output
    assert "Total: 0 found, 0 rotated" in rotate()  # a second run finds nothing left


def test_each_run_is_audited_with_counts_only(key_file: Path, k1_world: World) -> None:
    plaintexts = decrypted(raw_encrypted_values())
    add_active_key(key_file, "encryption", "k2")
    rotate()
    event = AuditEvent.objects.filter(action="lbc.keys.rotated").get()
    assert event.detail["rotated"] == len(plaintexts) and event.detail["completed"] is True
    counts = {"found": 1, "rotated": 1, "skipped": 0, "remaining": 0}
    assert event.detail["columns"]["lbc_guardian.phone"] == counts
    dumped = json.dumps(event.detail, ensure_ascii=False)
    assert not any(value in dumped for value in plaintexts.values())


def test_an_edit_made_during_the_rotation_is_kept_and_counted_as_skipped(
    key_file: Path,
    k1_world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_active_key(key_file, "encryption", "k2")
    real_read = rotation.read_encrypted_batch

    def read_then_someone_edits(col: rotation.EncryptedColumn, *args: Any) -> list[Any]:
        rows = real_read(col, *args)
        if col.label == "lbc_guardian.phone" and rows:
            guardian = Guardian.objects.get(pk=k1_world.g1.pk)
            save_guardian(
                guardian,
                {"phone": "13700001111"},
                by=k1_world.user("county_admin"),
                expected_version=guardian.version,
            )
        return rows

    monkeypatch.setattr(rotation, "read_encrypted_batch", read_then_someone_edits)
    report = rotation.rotate_encrypted_values()

    guardian_count = next(c for c in report.columns if c.label == "lbc_guardian.phone")
    assert (guardian_count.found, guardian_count.rotated, guardian_count.skipped) == (1, 0, 1)
    assert report.total("skipped") == 1 and report.total("remaining") == 0
    assert Guardian.objects.get(pk=k1_world.g1.pk).phone == "13700001111"  # the edit survived
    assert all(raw.startswith("v1:k2:") for raw in raw_encrypted_values().values())


def test_a_value_still_under_the_old_key_after_a_skip_is_picked_up_by_the_next_run(
    key_file: Path,
    k1_world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_active_key(key_file, "encryption", "k2")
    real_read = rotation.read_encrypted_batch

    def read_then_an_old_process_writes(col: rotation.EncryptedColumn, *args: Any) -> list[Any]:
        rows = real_read(col, *args)
        if col.label == "lbc_parent.phone" and rows:  # a process not yet restarted writes under k1
            old = crypto.encrypt("13600002222", col.context, key_id="k1")
            with connection.cursor() as cur:
                cur.execute("UPDATE lbc_parent SET phone = %s WHERE id = %s", [old, rows[0][0]])
        return rows

    monkeypatch.setattr(rotation, "read_encrypted_batch", read_then_an_old_process_writes)
    first = rotate()
    assert "lbc_parent.phone: 1 under old keys, 0 rotated, 1 skipped (changed meanwhile), 1 remaining" in (
        first
    )
    assert "run the command again" in first

    monkeypatch.undo()
    second = rotate()
    assert "lbc_parent.phone: 1 under old keys, 1 rotated, 0 skipped (changed meanwhile), 0 remaining" in (
        second
    )
    assert Parent.objects.get().phone == "13600002222"


def test_a_value_that_does_not_decrypt_stops_the_run_with_its_row(key_file: Path, k1_world: World) -> None:
    household = k1_world.c1.household
    with connection.cursor() as cur:
        cur.execute("UPDATE lbc_household SET address = %s WHERE id = %s", ["v1:k0:AAAA", household.pk])
    add_active_key(key_file, "encryption", "k2")
    expected = rf"lbc_household\.address row {household.pk}: no key with id 'k0'"
    with pytest.raises(CommandError, match=expected):
        rotate()
    event = AuditEvent.objects.filter(action="lbc.keys.rotated").get()
    assert event.detail["completed"] is False


def test_it_refuses_to_rotate_with_a_wrong_key(key_file: Path, k1_world: World) -> None:
    crypto.write_key_file(key_file, crypto.new_key_file_content())
    crypto.reset_keys()
    before = raw_encrypted_values()
    with pytest.raises(CommandError, match="'k1' is not the key the data was written with"):
        rotate()
    assert raw_encrypted_values() == before


def test_a_dry_run_changes_nothing(key_file: Path, k1_world: World) -> None:
    add_active_key(key_file, "encryption", "k2")
    add_active_key(key_file, "blind_index", "b2")
    values, indexes = raw_encrypted_values(), stored_indexes()
    events, canaries = AuditEvent.objects.count(), KeyCanary.objects.count()

    output = rotate(dry_run=True)
    assert "Dry run: encrypted values to key k2:" in output
    assert f"Total: {len(values)} found, 0 rotated, 0 skipped, {len(values)} remaining." in output
    assert f"Total: {len(indexes)} found, 0 rotated" in rotate(blind_index=True, dry_run=True)
    assert "could be retired" not in rotate_refused(retire="k1", dry_run=True)

    assert raw_encrypted_values() == values and stored_indexes() == indexes
    assert AuditEvent.objects.count() == events and KeyCanary.objects.count() == canaries


def rotate_refused(**options: Any) -> str:
    with pytest.raises(CommandError) as excinfo:
        rotate(**options)
    return str(excinfo.value)


def test_a_batch_size_below_one_is_refused(k1_world: World) -> None:
    assert "--batch-size must be at least 1" in rotate_refused(batch_size=0)


# --- blind indexes --------------------------------------------------------------------------------


def test_search_keeps_working_before_during_and_after_a_blind_index_rotation(
    key_file: Path,
    k1_world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    everyone_is_findable()  # before
    add_active_key(key_file, "blind_index", "b2")
    everyone_is_findable()  # both keys configured, nothing rotated yet

    real_swap = rotation.swap_index
    swaps: list[str] = []

    def swap_then_search(col: rotation.BlindIndexColumn, *args: Any) -> bool:
        done = real_swap(col, *args)
        swaps.append(col.label)
        everyone_is_findable()  # half rotated
        return done

    monkeypatch.setattr(rotation, "swap_index", swap_then_search)
    output = rotate(blind_index=True, batch_size=1)
    assert len(swaps) == 6 and "Total: 6 found, 6 rotated, 0 skipped, 0 remaining." in output

    indexes = stored_indexes()
    assert len(indexes) == 6 and all(index.startswith("b2$") for index in indexes.values())
    everyone_is_findable()  # after
    rotate(retire="b1")
    remove_key(key_file, "blind_index", "b1")
    everyone_is_findable()  # with the old key gone
    assert verify_keys() == []


def test_a_blind_index_edited_during_the_rotation_is_kept(
    key_file: Path,
    k1_world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_active_key(key_file, "blind_index", "b2")
    real_read = rotation.read_index_batch

    def read_then_someone_edits(col: rotation.BlindIndexColumn, *args: Any) -> list[Any]:
        rows = real_read(col, *args)
        if col.label == "lbc_guardian.phone_index" and rows:
            guardian = Guardian.objects.get(pk=k1_world.g1.pk)
            save_guardian(
                guardian,
                {"phone": "13700001111"},
                by=k1_world.user("county_admin"),
                expected_version=guardian.version,
            )
        return rows

    monkeypatch.setattr(rotation, "read_index_batch", read_then_someone_edits)
    report = rotation.rotate_blind_indexes()
    assert report.total("skipped") == 1 and report.total("remaining") == 0
    guardian = Guardian.objects.get(pk=k1_world.g1.pk)
    assert guardian.phone_index == crypto.blind_index("13700001111", "phone")


# --- retiring the old key -------------------------------------------------------------------------


def test_retiring_an_old_key_is_refused_while_values_remain_and_works_after(
    key_file: Path,
    k1_world: World,
) -> None:
    add_active_key(key_file, "encryption", "k2")
    assert "still used by" in rotate_refused(retire="k1")
    assert "is the active key" in rotate_refused(retire="k2")
    assert "nothing to retire" in rotate_refused(retire="k7")
    assert KeyCanary.objects.filter(key_id="k1").exists()

    rotate()
    assert "could be retired" in rotate(retire="k1", dry_run=True)
    assert KeyCanary.objects.filter(key_id="k1").exists()
    assert "Retired key k1 (encryption)" in rotate(retire="k1")
    assert not KeyCanary.objects.filter(key_id="k1").exists()
    assert AuditEvent.objects.filter(action="lbc.keys.retired", detail__key_id="k1").exists()

    ensure_keys_match()  # a restart before the key leaves the file does not bring the canary back
    assert not KeyCanary.objects.filter(key_id="k1").exists()
    remove_key(key_file, "encryption", "k1")
    assert verify_keys() == []
    assert Child.objects.get(pk=k1_world.c1.pk).id_number


def test_retiring_an_old_blind_index_key_is_refused_until_the_indexes_are_rebuilt(
    key_file: Path,
    k1_world: World,
) -> None:
    add_active_key(key_file, "blind_index", "b2")
    rotate()  # re-encrypting values does not touch the indexes
    message = rotate_refused(retire="b1")
    assert "still used by 6 value(s)" in message and "lbc_child.id_number_index: 4" in message
    rotate(blind_index=True)
    assert "Retired key b1 (blind_index)" in rotate(retire="b1")


def test_the_help_states_the_procedure() -> None:
    from lbc.management.commands.rotate_keys import Command

    text = Command.help
    steps = [
        "make it active",
        "restart every process",
        "rotate_keys;",
        "rotate_keys --blind-index",
        "rotate_keys --retire",
        "remove the old key from the key file",
    ]
    positions = [text.index(step) for step in steps]
    assert positions == sorted(positions)


# --- sealed files ---------------------------------------------------------------------------------


def sealed_upload(media: Path, data: bytes) -> Path:
    """A file sealed like a waiting import upload (its path under MEDIA_ROOT is its context)."""
    relative = "imports/0f0e/upload.xlsx"
    path = media / relative
    path.parent.mkdir(parents=True)
    path.write_bytes(crypto.encrypt_bytes(data, relative))
    return path


def test_sealed_files_are_reencrypted_and_keep_the_old_key_from_retiring(
    key_file: Path, k1_world: World, settings: Settings
) -> None:
    data = b"PK\x03\x04 synthetic workbook bytes"
    path = sealed_upload(Path(settings.MEDIA_ROOT), data)
    assert crypto.file_key_id(path.read_bytes()) == "k1"
    add_active_key(key_file, "encryption", "k2")
    refusal = rotate_refused(retire="k1")
    assert "files under MEDIA_ROOT: 1" in refusal

    output = rotate()

    assert "files under MEDIA_ROOT: 1 under old keys, 1 rotated" in output
    sealed = path.read_bytes()
    assert crypto.file_key_id(sealed) == "k2"
    assert crypto.decrypt_bytes(sealed, "imports/0f0e/upload.xlsx") == data
    assert [p.name for p in path.parent.iterdir()] == ["upload.xlsx"]  # no spare left behind
    assert "Retired key k1" in rotate(retire="k1")
