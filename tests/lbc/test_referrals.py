"""Referrals: a counsellor hands a child of their school to a counsellor of another school of the county."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from lbc import access
from lbc.access import FieldTier
from lbc.models import AuditEvent, OutboxMessage, Referral, Role
from lbc.services import grants
from lbc.services.errors import DomainError
from tests.conftest import World
from tests.factories import make_user


def refer(world: World, to: str = "other_counsellor") -> Referral:
    reason = "转学到二乡中心学校"
    return grants.refer_child(world.c1, to=world.user(to), reason=reason, by=world.user("counsellor"))


def test_it_offers_only_counsellors_of_other_schools_of_the_county(world: World) -> None:
    make_user("k2_counsellor", Role.COUNSELLOR, school=world.s3)
    make_user("s1_colleague", Role.COUNSELLOR, school=world.s1)
    names = {u.username for u in access.referral_recipients(world.user("counsellor"), world.c1)}
    assert names == {"other_counsellor"}


def test_it_refuses_a_recipient_outside_the_list(world: World) -> None:
    with pytest.raises(DomainError):
        refer(world, to="other_supervisor")
    assert not Referral.objects.exists()


def test_a_pending_referral_gives_no_access_yet(world: World) -> None:
    refer(world)
    with pytest.raises(Http404):
        access.get_child_for_user(world.user("other_counsellor"), world.c1.public_id)
    assert OutboxMessage.objects.filter(kind="lbc.referral", user=world.user("other_counsellor")).exists()


def test_accepting_creates_a_ninety_day_grant_with_the_referral_tiers(world: World, clock: Any) -> None:
    referral = grants.accept_referral(refer(world), by=world.user("other_counsellor"))
    assert referral.grant is not None and referral.status == Referral.Status.ACCEPTED
    _child, rights = access.get_child_for_user(world.user("other_counsellor"), world.c1.public_id)
    assert FieldTier.NOTES in rights.tiers and not rights.can_edit
    clock.shift(dt.timedelta(days=90, seconds=1))
    with pytest.raises(Http404):
        access.get_child_for_user(world.user("other_counsellor"), world.c1.public_id)


def test_declining_gives_no_access_and_tells_the_sender(world: World) -> None:
    grants.decline_referral(refer(world), by=world.user("other_counsellor"))
    with pytest.raises(Http404):
        access.get_child_for_user(world.user("other_counsellor"), world.c1.public_id)
    assert OutboxMessage.objects.filter(kind="lbc.referral", user=world.user("counsellor")).exists()


def test_a_referral_is_decided_only_once_and_only_by_its_recipient(world: World) -> None:
    referral = refer(world)
    with pytest.raises(DomainError):
        grants.accept_referral(referral, by=world.user("counsellor"))
    grants.accept_referral(referral, by=world.user("other_counsellor"))
    with pytest.raises(DomainError):
        grants.decline_referral(referral, by=world.user("other_counsellor"))


def test_every_step_is_audited(world: World) -> None:
    grants.accept_referral(refer(world), by=world.user("other_counsellor"))
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"lbc.referral.created", "lbc.referral.accepted"} <= actions


def test_the_counsellor_refers_from_the_file_and_the_recipient_accepts(world: World) -> None:
    sender, receiver = Client(), Client()
    sender.force_login(world.user("counsellor"))
    receiver.force_login(world.user("other_counsellor"))
    file_url = reverse("lbc:child-detail", args=[world.c1.public_id])
    assert reverse("lbc:referral-create", args=[world.c1.public_id]) in sender.get(file_url).content.decode()
    sender.post(reverse("lbc:referral-create", args=[world.c1.public_id]),
                {"to": world.user("other_counsellor").pk, "reason": "需要跟进"})
    referral = Referral.objects.get()
    assert "待接收的转介" in receiver.get(reverse("lbc:home")).content.decode()
    detail = reverse("lbc:referral-detail", args=[referral.public_id])
    response = receiver.post(detail, {"decision": "accept"})
    assert response["Location"] == file_url
    for client in (sender, receiver):  # both files show the referral
        assert "转介记录" in client.get(file_url).content.decode()


def test_a_supervisor_who_sees_the_child_cannot_refer_it(client: Client, world: World) -> None:
    client.force_login(world.user("supervisor"))
    assert client.get(reverse("lbc:referral-create", args=[world.c1.public_id])).status_code == 403


def test_another_counsellor_cannot_open_someone_elses_referral(client: Client, world: World) -> None:
    referral = refer(world)
    client.force_login(world.user("counsellor"))  # the sender: not the recipient
    assert client.get(reverse("lbc:referral-detail", args=[referral.public_id])).status_code == 404
