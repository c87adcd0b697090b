"""Field encryption and blind indexes: round trips, binding to the column, tampering, wrong and
missing keys, and what actually lands in the database. All values are synthetic."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from pytest_django import Settings

from lbc import crypto
from lbc.idnumbers import make_id_number
from lbc.models import Child, Guardian, Household
from lbc.services.children import find_child_by_id_number, update_child
from tests.conftest import World

ID_CONTEXT = "lbc_child.id_number"
PHONE_CONTEXT = "lbc_guardian.phone"


@pytest.fixture
def key_file(tmp_path: Path, settings: Settings) -> Iterator[Path]:
    """A real key file (k1, b1) instead of the suite's throwaway keys; keys are forgotten afterwards."""
    path = tmp_path / "keys" / "keys.json"
    crypto.write_key_file(path, crypto.new_key_file_content())
    settings.LBC_KEY_FILE = str(path)
    crypto.reset_keys()
    yield path
    crypto.reset_keys()


def install_keys(path: Path, content: dict[str, object]) -> None:
    crypto.write_key_file(path, content)
    crypto.reset_keys()


def raw_column(table: str, column: str, pk: int) -> str:
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"SELECT {q(column)} FROM {q(table)} WHERE id = %s", [pk])  # noqa: S608
        return str(cur.fetchone()[0])


def whole_database_text() -> str:
    """Every value of every table, as text (bytes decoded leniently)."""
    q = connection.ops.quote_name
    parts: list[str] = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            cur.execute(f"SELECT * FROM {q(table)}")  # noqa: S608
            for row in cur.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    parts.append(str(value))
    return "\n".join(parts)


def id_number_ending_in_x(birth: dt.date, sex: str) -> str:
    for sequence in range(1000):
        number = make_id_number("110101", birth, sequence, sex)
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives check character X")


# --- round trips ---------------------------------------------------------------------------------

ROUND_TRIP_VALUES = ["", "0", "䶮", "𠈌", "王小䶮，住𠈌村 3 组", "x" * 100_000, " leading and trailing "]


@pytest.mark.parametrize(
    "plaintext", ROUND_TRIP_VALUES, ids=["empty", "zero", "rare", "supplementary", "mixed", "long", "spaces"]
)
def test_it_round_trips_text_through_encryption(plaintext: str) -> None:
    token = crypto.encrypt(plaintext, ID_CONTEXT)
    assert token.startswith(f"v1:{crypto.keys().encryption.active}:")
    assert crypto.decrypt(token, ID_CONTEXT) == plaintext


@pytest.mark.parametrize(
    "plaintext", ROUND_TRIP_VALUES, ids=["empty", "zero", "rare", "supplementary", "mixed", "long", "spaces"]
)
def test_it_round_trips_text_through_the_database(world: World, plaintext: str) -> None:
    household = Household.objects.create(village=world.v1, address=plaintext)
    assert Household.objects.get(pk=household.pk).address == plaintext
    raw = raw_column("lbc_household", "address", household.pk)
    if plaintext == "":
        assert raw == ""  # optional fields stay optional: empty is stored empty, not encrypted
    else:
        assert raw.startswith("v1:") and raw != plaintext
        assert crypto.decrypt(raw, "lbc_household.address") == plaintext
        if len(plaintext) > 4:  # shorter strings can occur in base64 by chance
            assert plaintext not in raw


def test_it_stores_zero_as_zero_and_not_as_null(world: World) -> None:
    household = Household.objects.create(village=world.v1, address=0)  # type: ignore[misc]
    assert Household.objects.get(pk=household.pk).address == "0"


def test_two_encryptions_of_the_same_value_differ() -> None:
    assert crypto.encrypt("13812345678", PHONE_CONTEXT) != crypto.encrypt("13812345678", PHONE_CONTEXT)


# --- binding, tampering, wrong keys --------------------------------------------------------------


def test_a_value_encrypted_for_one_column_does_not_decrypt_in_another() -> None:
    token = crypto.encrypt("13812345678", PHONE_CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, "lbc_parent.phone")


def test_a_ciphertext_copied_into_another_column_fails_to_load(world: World) -> None:
    stolen = raw_column("lbc_child", "id_number", world.c1.pk)
    with connection.cursor() as cur:
        cur.execute("UPDATE lbc_guardian SET phone = %s WHERE id = %s", [stolen, world.g1.pk])
    with pytest.raises(crypto.DecryptionError):
        Guardian.objects.get(pk=world.g1.pk)


def _flip_one_payload_character(token: str) -> str:
    head, payload = token.rsplit(":", 1)
    i = len(payload) // 2
    return f"{head}:{payload[:i]}{'A' if payload[i] != 'A' else 'B'}{payload[i + 1 :]}"


@pytest.mark.parametrize(
    "tamper",
    [
        _flip_one_payload_character,
        lambda t: t[:-4],
        lambda t: t.rsplit(":", 1)[0] + ":" + "A" * 8,
        lambda t: t.rsplit(":", 1)[0] + ":not base64!",
        lambda t: "13812345678",
        lambda t: t.replace("v1:", "v2:", 1),
    ],
    ids=["flipped", "truncated", "too-short", "not-base64", "plaintext", "unknown-version"],
)
def test_a_tampered_ciphertext_raises_instead_of_returning_anything(tamper: object) -> None:
    token = crypto.encrypt("13812345678", PHONE_CONTEXT)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tamper(token), PHONE_CONTEXT)  # type: ignore[operator]


def test_a_value_under_another_key_id_does_not_decrypt(key_file: Path) -> None:
    content = crypto.new_key_file_content()
    content["encryption"]["keys"]["k2"] = crypto.new_key_file_content()["encryption"]["keys"]["k1"]
    install_keys(key_file, content)
    token = crypto.encrypt("13812345678", PHONE_CONTEXT)
    relabelled = token.replace("v1:k1:", "v1:k2:", 1)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(relabelled, PHONE_CONTEXT)


def test_a_wrong_key_with_the_same_key_id_raises(key_file: Path) -> None:
    token = crypto.encrypt("13812345678", PHONE_CONTEXT)
    install_keys(key_file, crypto.new_key_file_content())  # same ids k1/b1, different key material
    with pytest.raises(crypto.DecryptionError, match="k1"):
        crypto.decrypt(token, PHONE_CONTEXT)


def test_reading_a_record_with_the_wrong_key_fails_loudly(key_file: Path, world: World) -> None:
    install_keys(key_file, crypto.new_key_file_content())
    with pytest.raises(crypto.DecryptionError):
        Child.objects.get(pk=world.c1.pk)


def test_a_value_under_a_key_that_is_not_configured_raises(key_file: Path) -> None:
    token = crypto.encrypt("13812345678", PHONE_CONTEXT)
    install_keys(key_file, crypto.new_key_file_content("k2", "b2"))
    with pytest.raises(crypto.DecryptionError, match="no key with id 'k1'"):
        crypto.decrypt(token, PHONE_CONTEXT)


# --- missing and malformed keys ------------------------------------------------------------------


def _short_key() -> dict[str, object]:
    content = crypto.new_key_file_content()
    content["encryption"]["keys"]["k1"] = "c2hvcnQ="
    return content


def _unknown_active() -> dict[str, object]:
    content = crypto.new_key_file_content()
    content["encryption"]["active"] = "k9"
    return content


def _shared_key() -> dict[str, object]:
    content = crypto.new_key_file_content()
    content["blind_index"]["keys"]["b1"] = content["encryption"]["keys"]["k1"]
    return content


def _bad_key_id() -> dict[str, object]:
    content = crypto.new_key_file_content()
    content["encryption"] = {"active": "k-1", "keys": {"k-1": content["encryption"]["keys"]["k1"]}}
    return content


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({}, "Encryption keys are missing"),
        ({"encryption": crypto.new_key_file_content()["encryption"]}, "Encryption keys are missing"),
        ([], "must hold a JSON object"),
        ({"encryption": "k1", "blind_index": "b1"}, "must be an object"),
        (
            {"encryption": {"active": "k1", "keys": {}}, "blind_index": {"active": "b1", "keys": {}}},
            "No encryption keys are configured",
        ),
        (_short_key(), "must be 32 bytes"),
        (_unknown_active(), "active encryption key 'k9' is not among"),
        (_shared_key(), "must differ from the encryption keys"),
        (_bad_key_id(), "letters and digits only"),
        (
            {k: v for k, v in crypto.new_key_file_content().items() if k != "audit"},
            "The audit key is missing. Add one with 'manage.py generate_keys --if-missing",
        ),
    ],
    ids=[
        "empty",
        "no-blind-index",
        "not-an-object",
        "not-sections",
        "no-keys",
        "short-key",
        "unknown-active",
        "shared-key",
        "bad-key-id",
        "no-audit-key",
    ],
)
def test_a_broken_key_file_is_refused_with_a_clear_message(
    key_file: Path,
    content: object,
    message: str,
) -> None:
    key_file.write_text(json.dumps(content), encoding="utf-8")
    crypto.reset_keys()
    with pytest.raises(crypto.KeyConfigurationError, match=message):
        crypto.keys()


def test_a_missing_key_file_is_refused_with_its_path(key_file: Path, settings: Settings) -> None:
    missing = key_file.parent / "lost.json"
    settings.LBC_KEY_FILE = str(missing)
    crypto.reset_keys()
    with pytest.raises(crypto.KeyConfigurationError, match=f"The key file {missing} does not exist"):
        crypto.keys()


def test_an_unreadable_key_file_is_refused(key_file: Path) -> None:
    key_file.write_text("{not json", encoding="utf-8")
    crypto.reset_keys()
    with pytest.raises(crypto.KeyConfigurationError, match="cannot be read"):
        crypto.keys()


def test_without_any_keys_outside_tests_it_refuses_to_start(
    key_file: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.LBC_KEY_FILE = ""
    settings.TESTING = False
    for prefix in ("LBC_ENCRYPTION", "LBC_BLIND_INDEX"):
        monkeypatch.delenv(f"{prefix}_KEYS", raising=False)
        monkeypatch.delenv(f"{prefix}_ACTIVE", raising=False)
    crypto.reset_keys()
    with pytest.raises(crypto.KeyConfigurationError, match="The application does not start without them"):
        crypto.keys()


def test_keys_can_come_from_the_environment(
    key_file: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = crypto.new_key_file_content("e1", "i1")
    settings.LBC_KEY_FILE = ""
    monkeypatch.setenv("LBC_ENCRYPTION_KEYS", f"e1:{content['encryption']['keys']['e1']}")
    monkeypatch.setenv("LBC_ENCRYPTION_ACTIVE", "e1")
    monkeypatch.setenv("LBC_BLIND_INDEX_KEYS", f"i1:{content['blind_index']['keys']['i1']}")
    monkeypatch.setenv("LBC_BLIND_INDEX_ACTIVE", "i1")
    monkeypatch.setenv("LBC_AUDIT_KEYS", f"a1:{content['audit']['keys']['a1']}")
    monkeypatch.setenv("LBC_AUDIT_ACTIVE", "a1")
    crypto.reset_keys()
    assert crypto.encrypt("0", PHONE_CONTEXT).startswith("v1:e1:")
    assert crypto.blind_index("0", "phone").startswith("i1$")


def test_a_malformed_environment_key_list_is_refused(
    key_file: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.LBC_KEY_FILE = ""
    monkeypatch.setenv("LBC_ENCRYPTION_KEYS", "just-a-key")
    crypto.reset_keys()
    with pytest.raises(crypto.KeyConfigurationError, match="must look like"):
        crypto.keys()


# --- queries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lookup",
    [
        "",
        "__exact",
        "__iexact",
        "__contains",
        "__icontains",
        "__startswith",
        "__endswith",
        "__in",
        "__gt",
        "__regex",
    ],
)
def test_filtering_on_an_encrypted_field_is_refused(lookup: str) -> None:
    value: object = ["x"] if lookup == "__in" else "x"
    with pytest.raises(TypeError, match="cannot be searched"):
        Child.objects.filter(**{f"id_number{lookup}": value})


def test_filtering_an_encrypted_field_on_isnull_is_allowed(world: World) -> None:
    assert Child.objects.filter(id_number__isnull=True).count() == 0
    assert Child.objects.filter(id_number__isnull=False).count() == 4


# --- what the database holds ---------------------------------------------------------------------


def test_the_database_holds_no_plaintext_id_number_or_phone(world: World) -> None:
    c1 = Child.objects.get(pk=world.c1.pk)
    g1 = Guardian.objects.get(pk=world.g1.pk)
    raw_id = raw_column("lbc_child", "id_number", c1.pk)
    raw_phone = raw_column("lbc_guardian", "phone", g1.pk)
    assert raw_id.startswith("v1:") and c1.id_number not in raw_id
    assert raw_phone.startswith("v1:") and g1.phone not in raw_phone
    assert raw_column("lbc_child", "id_number_index", c1.pk) != c1.id_number

    everything = whole_database_text()
    assert world.g1.phone == "13812345678"
    for plaintext in (c1.id_number, c1.id_number[:17], g1.phone, "13987654321", "测试地址"):
        assert plaintext not in everything
    assert c1.given_name in everything  # the scan does see plain columns


# --- blind indexes ----------------------------------------------------------------------------------


def test_blind_index_search_finds_a_child_by_id_number_in_either_case(world: World) -> None:
    number = id_number_ending_in_x(world.c1.birth_date, world.c1.sex)
    c1 = Child.objects.get(pk=world.c1.pk)
    admin = world.user("county_admin")
    update_child(c1, {"id_number": number.lower()}, by=admin, expected_version=c1.version)
    assert Child.objects.get(pk=c1.pk).id_number == number  # stored upper-case
    for query in (number, number.lower(), f"  {number.lower()} "):
        found = find_child_by_id_number(query)
        assert found is not None and found.pk == c1.pk
    assert find_child_by_id_number(world.c2.id_number).pk == world.c2.pk  # type: ignore[union-attr]
    assert find_child_by_id_number(make_id_number("110101", dt.date(2012, 7, 9), 5, "F")) is None


def test_the_blind_index_differs_per_purpose_and_per_value() -> None:
    as_id = crypto.blind_index("13812345678", "id_number")
    as_phone = crypto.blind_index("13812345678", "phone")
    assert as_id != as_phone
    assert as_id.split("$")[1] != as_phone.split("$")[1]
    assert crypto.blind_index("13812345678", "phone") == as_phone  # deterministic, so searchable
    assert crypto.blind_index("13812345679", "phone") != as_phone
    assert "13812345678" not in as_phone


def test_the_blind_index_key_is_separate_from_the_encryption_key(key_file: Path) -> None:
    before = crypto.blind_index("13812345678", "phone")
    content = json.loads(key_file.read_text(encoding="utf-8"))
    content["encryption"] = crypto.new_key_file_content()["encryption"]
    install_keys(key_file, content)
    assert crypto.blind_index("13812345678", "phone") == before  # a new encryption key leaves indexes alone
    content["blind_index"] = crypto.new_key_file_content()["blind_index"]
    install_keys(key_file, content)
    assert crypto.blind_index("13812345678", "phone") != before


def test_phone_numbers_are_normalised_before_indexing() -> None:
    assert crypto.normalise_phone("+86 138-1234-5678") == "13812345678"
    assert crypto.normalise_phone("138 1234 5678") == "13812345678"
    assert crypto.normalise_id_number(" 11010120140301002x ") == "11010120140301002X"


def test_sealed_bytes_carry_their_key_id_and_open_only_in_their_place_untampered() -> None:
    data = b"PK\x03\x04 synthetic workbook 110101201509100512"
    sealed = crypto.encrypt_bytes(data, "imports/a/b.xlsx")
    assert b"110101201509100512" not in sealed and b"PK\x03\x04" not in sealed
    assert crypto.file_key_id(sealed) == crypto.keys().encryption.active
    assert crypto.decrypt_bytes(sealed, "imports/a/b.xlsx") == data
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(sealed, "imports/c/b.xlsx")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(sealed[:-1] + bytes([sealed[-1] ^ 1]), "imports/a/b.xlsx")
    with pytest.raises(crypto.DecryptionError):
        crypto.file_key_id(data)
