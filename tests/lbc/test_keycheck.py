"""Start-up refuses keys that do not match the stored data; a backed-up key file restores access."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from pytest_django import Settings

from lbc import crypto
from lbc.keycheck import CANARY_CONTEXT, CANARY_TEXT, ensure_keys_match, verify_keys
from lbc.models import Child, KeyCanary
from tests.conftest import World


@pytest.fixture
def key_file(tmp_path: Path, settings: Settings) -> Iterator[Path]:
    """A real key file (k1, b1) instead of the suite's throwaway keys; keys are forgotten afterwards."""
    path = tmp_path / "keys" / "keys.json"
    crypto.write_key_file(path, crypto.new_key_file_content())
    settings.LBC_KEY_FILE = str(path)
    crypto.reset_keys()
    yield path
    crypto.reset_keys()


@pytest.fixture
def written(key_file: Path, world: World) -> World:
    """Data written under the keys of ``key_file``, and the canaries a start-up leaves."""
    ensure_keys_match()
    return world


def install_keys(path: Path, content: dict[str, object]) -> None:
    crypto.write_key_file(path, content)
    crypto.reset_keys()


def run_check() -> str:
    out = StringIO()
    call_command("check", stdout=out, stderr=out)
    return out.getvalue()


def test_a_first_start_leaves_a_canary_for_each_active_key(written: World) -> None:
    canaries = set(KeyCanary.objects.values_list("kind", "key_id"))
    assert canaries == {("encryption", "k1"), ("blind_index", "b1")}
    assert verify_keys() == []


def test_a_different_key_under_the_same_key_id_is_reported(key_file: Path, written: World) -> None:
    install_keys(key_file, crypto.new_key_file_content())  # k1/b1 again, but other key material
    problems = verify_keys()
    assert "encryption key 'k1' is not the key the data was written with" in problems
    assert "blind index key 'b1' is not the key the indexes were built with" in problems
    with pytest.raises(crypto.KeyConfigurationError, match=r"Refusing to start: .*'k1'"):
        ensure_keys_match()
    assert KeyCanary.objects.count() == 2  # nothing was written under the wrong keys


def test_the_system_check_refuses_a_wrong_key(key_file: Path, written: World) -> None:
    assert "no issues" in run_check()
    install_keys(key_file, crypto.new_key_file_content())
    with pytest.raises(SystemCheckError, match=r"lbc\.E001.*'k1' is not the key"):
        run_check()


def test_the_system_check_refuses_a_missing_key_file(key_file: Path, written: World) -> None:
    key_file.unlink()
    crypto.reset_keys()
    with pytest.raises(SystemCheckError, match=r"lbc\.E000.*does not exist"):
        run_check()


def test_a_key_id_used_by_stored_data_but_no_longer_configured_is_reported(
    key_file: Path,
    written: World,
) -> None:
    install_keys(key_file, crypto.new_key_file_content("k2", "b2"))
    problems = verify_keys()
    assert "encryption key 'k1' was used for stored data but is not configured" in problems
    assert "blind index key 'b1' was used but is not configured" in problems
    with pytest.raises(SystemCheckError, match=r"lbc\.E001.*'k1' was used for stored data"):
        run_check()
    with pytest.raises(crypto.DecryptionError, match="no key with id 'k1'"):
        Child.objects.get(pk=written.c1.pk)


def test_a_restore_drill_brings_the_data_back(key_file: Path, written: World, tmp_path: Path) -> None:
    id_number = Child.objects.get(pk=written.c1.pk).id_number
    backup = tmp_path / "offsite" / "keys.json"
    backup.parent.mkdir()
    shutil.copy2(key_file, backup)

    key_file.unlink()  # the key file is lost
    crypto.reset_keys()
    with pytest.raises(crypto.KeyConfigurationError, match="does not exist"):
        ensure_keys_match()

    shutil.copy2(backup, key_file)  # restored from the backup
    crypto.reset_keys()
    assert verify_keys() == []
    canary = KeyCanary.objects.get(kind="encryption", key_id="k1")
    assert crypto.decrypt(canary.token, CANARY_CONTEXT) == CANARY_TEXT
    assert Child.objects.get(pk=written.c1.pk).id_number == id_number
    assert "no issues" in run_check()


def test_a_new_active_key_gets_its_canary_and_the_old_one_keeps_its_own(
    key_file: Path,
    written: World,
) -> None:
    content = json.loads(key_file.read_text(encoding="utf-8"))
    content["encryption"]["keys"]["k2"] = crypto.new_key_file_content()["encryption"]["keys"]["k1"]
    content["encryption"]["active"] = "k2"
    install_keys(key_file, content)
    ensure_keys_match()
    kinds = set(KeyCanary.objects.values_list("kind", "key_id"))
    assert kinds == {("encryption", "k1"), ("encryption", "k2"), ("blind_index", "b1")}
    assert Child.objects.get(pk=written.c1.pk).id_number  # old data still readable


def test_an_inactive_key_gets_no_canary(key_file: Path, world: World) -> None:
    content = json.loads(key_file.read_text(encoding="utf-8"))
    content["encryption"]["keys"]["k0"] = crypto.new_key_file_content()["encryption"]["keys"]["k1"]
    install_keys(key_file, content)
    ensure_keys_match()
    assert not KeyCanary.objects.filter(key_id="k0").exists()  # so a retired old key stays retired
