"""Break-the-glass: emergency access to one child outside the scope, reviewed by the county."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lbc import access
from lbc.access import FieldTier
from lbc.models import AuditEvent, ChildGrant, OutboxMessage
from lbc.services import grants
from lbc.services.errors import DomainError
from tests.conftest import World

URL = "/emergency-access/"


def open_grant(world: World, persona: str = "counsellor", hours: int = 24) -> ChildGrant:
    reason = "孩子在我校走失，需联系监护人"
    return grants.break_glass(world.c3, reason=reason, hours=hours, by=world.user(persona))


def test_it_opens_a_grant_at_once_and_notifies_the_childs_county_administrator(world: World) -> None:
    grant = open_grant(world, hours=72)
    assert grant.expires_at is not None
    assert dt.timedelta(hours=71) < grant.expires_at - timezone.now() <= dt.timedelta(hours=72)
    child, _rights = access.get_child_for_user(world.user("counsellor"), world.c3.public_id)
    assert child == world.c3
    notice = OutboxMessage.objects.get(kind="lbc.grant.breakglass")
    assert notice.user == world.user("other_county_admin")  # county K2, where c3 lives
    assert world.c3.given_name not in notice.text  # no child data in the message
    assert "lbc.grant.breakglass_opened" in AuditEvent.objects.values_list("action", flat=True)


def test_no_grant_exists_when_the_notification_cannot_be_queued(world: World, monkeypatch: Any) -> None:
    def failing(**kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(grants, "queue_message", failing)
    with pytest.raises(RuntimeError):
        open_grant(world)
    assert not ChildGrant.objects.filter(permission__codename="breakglass_child").exists()


def test_it_refuses_durations_other_than_24_48_or_72_hours(world: World) -> None:
    with pytest.raises(DomainError):
        open_grant(world, hours=96)


def test_it_refuses_a_grant_without_a_reason(world: World) -> None:
    with pytest.raises(DomainError):
        grants.break_glass(world.c3, reason="  ", hours=24, by=world.user("counsellor"))


def test_it_refuses_a_grant_for_a_child_already_in_scope(world: World) -> None:
    with pytest.raises(DomainError):
        grants.break_glass(world.c1, reason="x", hours=24, by=world.user("counsellor"))


def test_an_expired_grant_gives_404(client: Client, world: World, clock: Any) -> None:
    open_grant(world, hours=24)
    client.force_login(world.user("counsellor"))
    url = reverse("lbc:child-detail", args=[world.c3.public_id])
    assert client.get(url).status_code == 200
    clock.shift(dt.timedelta(hours=24, seconds=1))
    client.force_login(world.user("counsellor"))  # the old session has timed out meanwhile
    assert client.get(url).status_code == 404


def test_a_grant_never_widens_tiers_beyond_the_grant_kind(world: World) -> None:
    """A counsellor sees scores and notes in their own school, but only up to the colour under the grant."""
    open_grant(world)
    _child, rights = access.get_child_for_user(world.user("counsellor"), world.c3.public_id)
    assert FieldTier.SCORES not in rights.tiers and FieldTier.NOTES not in rights.tiers
    assert FieldTier.IDENTITY in rights.tiers
    assert not rights.can_edit


def test_every_read_under_the_grant_is_audited_with_the_grant_id(client: Client, world: World) -> None:
    grant = open_grant(world)
    client.force_login(world.user("counsellor"))
    client.get(reverse("lbc:child-detail", args=[world.c3.public_id]))
    viewed = AuditEvent.objects.filter(action="lbc.child.viewed").latest("pk")
    assert viewed.detail["grants"] == [grant.pk]


def test_the_search_says_only_which_county_holds_the_child(client: Client, world: World) -> None:
    client.force_login(world.user("counsellor"))
    html = client.post(URL, {"id_number": world.c3.id_number}).content.decode()
    assert "邻县" in html
    assert world.c3.given_name not in html and str(world.c3.public_id) not in html
    assert not ChildGrant.objects.filter(permission__codename="breakglass_child").exists()
    assert AuditEvent.objects.filter(action="lbc.child.id_searched").exists()


def test_the_page_opens_the_grant_and_shows_the_file(client: Client, world: World) -> None:
    client.force_login(world.user("counsellor"))
    response = client.post(URL, {"id_number": world.c3.id_number, "reason": "紧急", "hours": "48"})
    assert response.status_code == 302
    assert response["Location"] == reverse("lbc:child-detail", args=[world.c3.public_id])


def test_roles_without_the_capability_cannot_break_the_glass(client: Client, world: World) -> None:
    client.force_login(world.user("head_teacher"))
    response = client.post(URL, {"id_number": world.c3.id_number, "reason": "紧急", "hours": "24"})
    assert response.status_code == 403
    assert not ChildGrant.objects.filter(permission__codename="breakglass_child").exists()


def test_the_county_administrator_reviews_and_ends_a_grant_early(client: Client, world: World) -> None:
    grant = open_grant(world)
    client.force_login(world.user("other_county_admin"))
    assert "孩子在我校走失" in client.get(reverse("manage:breakglass-list")).content.decode()
    client.post(reverse("manage:breakglass-end"), {"grant": grant.pk})
    grant.refresh_from_db()
    assert grant.expires_at is not None and grant.expires_at <= timezone.now()
    assert AuditEvent.objects.filter(action="lbc.grant.ended").exists()
    with pytest.raises(Http404):
        access.get_child_for_user(world.user("counsellor"), world.c3.public_id)


def test_an_administrator_of_another_county_cannot_end_the_grant(client: Client, world: World) -> None:
    grant = open_grant(world)
    client.force_login(world.user("county_admin"))
    assert "孩子在我校走失" not in client.get(reverse("manage:breakglass-list")).content.decode()
    assert client.post(reverse("manage:breakglass-end"), {"grant": grant.pk}).status_code == 404


def test_a_list_page_showing_the_child_under_the_grant_is_audited_with_the_grant_id(
    client: Client, world: World
) -> None:
    grant = open_grant(world)
    client.force_login(world.user("counsellor"))
    client.get(reverse("lbc:child-list"))
    listed = AuditEvent.objects.get(action="lbc.child.listed")
    assert listed.detail["grants"] == [grant.pk]
