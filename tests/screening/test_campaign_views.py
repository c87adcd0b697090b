"""Screening campaigns: list, create, edit and the roster, as each persona sees them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse

from lbc.models import AuditEvent, Consent, Membership, Role
from screening.models import Campaign
from screening.scoring.instruments import latest_instruments
from screening.views.campaigns import progress_cells
from tests.conftest import World

LIST = reverse("screening:campaign-list")
CREATE = reverse("screening:campaign-create")


def detail_url(campaign: Campaign) -> str:
    return reverse("screening:campaign-detail", kwargs={"public_id": campaign.public_id})


def edit_url(campaign: Campaign) -> str:
    return reverse("screening:campaign-edit", kwargs={"public_id": campaign.public_id})


def campaign_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "2026秋季五年级筛查",
        "school_year": "2026",
        "term": "1",
        "grades": ["5", "6"],
        "instruments": ["PHQ-9@1", "GAD-7@1"],
        "starts_on": "2026-11-01",
        "ends_on": "2026-12-20",
        "status": "open",
    }
    data.update(overrides)
    return data


def test_it_lists_only_the_campaigns_of_the_counsellors_school(login: Any, world: World) -> None:
    html = login("counsellor").get(LIST).content.decode()
    assert detail_url(world.camp1) in html
    assert detail_url(world.camp3) not in html
    assert "一乡中心学校" in html and "PHQ-9、GAD-7" in html


def test_county_admins_see_the_campaigns_of_their_county_only(login: Any, world: World) -> None:
    html = login("county_admin").get(LIST).content.decode()
    assert detail_url(world.camp1) in html and detail_url(world.camp3) not in html
    html = login("other_county_admin").get(LIST).content.decode()
    assert detail_url(world.camp3) in html and detail_url(world.camp1) not in html


def test_head_teachers_and_village_directors_do_not_see_campaigns(login: Any, world: World) -> None:
    for persona in ("head_teacher", "village_director", "volunteer", "trainer"):
        client = login(persona)
        assert client.get(LIST).status_code == 403
        assert client.get(detail_url(world.camp1)).status_code == 403
        assert "心理筛查" not in client.get(reverse("lbc:home")).content.decode()


def test_the_menu_offers_screening_to_counsellors(login: Any, world: World) -> None:
    html = login("counsellor").get(reverse("lbc:home")).content.decode()
    assert f'href="{LIST}"' in html


def test_a_counsellor_creates_a_campaign_for_the_own_school(login: Any, world: World) -> None:
    response = login("counsellor").post(CREATE, campaign_data())
    campaign = Campaign.objects.get(name="2026秋季五年级筛查")
    assert response.status_code == 302 and response["Location"] == detail_url(campaign)
    assert campaign.school == world.s1
    assert campaign.grades == [5, 6]
    assert campaign.instruments == [{"code": "PHQ-9", "version": "1"}, {"code": "GAD-7", "version": "1"}]
    assert campaign.created_by == world.user("counsellor")
    assert AuditEvent.objects.filter(action="screening.campaign.created", object_id=str(campaign.public_id))


def test_the_instrument_choices_are_the_latest_versions(login: Any, world: World) -> None:
    html = login("counsellor").get(CREATE).content.decode()
    for instrument in latest_instruments():
        assert f'value="{instrument.code}@{instrument.version}"' in html
    assert "仅纸质录入" in html


def test_creation_ignores_extra_fields_and_never_takes_another_school(login: Any, world: World) -> None:
    other_user = world.user("other_counsellor")
    data = campaign_data(created_by=str(other_user.pk), public_id="00000000-0000-4000-8000-000000000000")
    login("counsellor").post(CREATE, data)
    campaign = Campaign.objects.get(name="2026秋季五年级筛查")
    assert campaign.created_by == world.user("counsellor")
    assert str(campaign.public_id) != data["public_id"]
    login("counsellor").post(CREATE, campaign_data(name="别校", school=str(world.s2.public_id)))
    assert Campaign.objects.get(name="别校").school == world.s1


def test_a_counsellor_of_two_schools_picks_one_of_them_only(login: Any, world: World) -> None:
    Membership.objects.create(user=world.user("counsellor"), role=Role.COUNSELLOR, school=world.s2)
    client = login("counsellor")
    html = client.get(CREATE).content.decode()
    assert str(world.s2.public_id) in html and str(world.s3.public_id) not in html
    response = client.post(CREATE, campaign_data(name="邻县学校", school=str(world.s3.public_id)))
    assert response.status_code == 200 and not Campaign.objects.filter(name="邻县学校").exists()
    client.post(CREATE, campaign_data(name="二乡筛查", school=str(world.s2.public_id)))
    assert Campaign.objects.get(name="二乡筛查").school == world.s2


def test_an_end_before_the_start_is_refused_and_the_input_kept(login: Any, world: World) -> None:
    response = login("counsellor").post(CREATE, campaign_data(ends_on="2026-10-01"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in html
    assert 'value="2026秋季五年级筛查"' in html
    assert not Campaign.objects.filter(name="2026秋季五年级筛查").exists()


def test_only_counsellors_create_campaigns(login: Any, world: World) -> None:
    for persona in ("supervisor", "county_admin"):
        assert login(persona).post(CREATE, campaign_data()).status_code == 403
    assert not Campaign.objects.filter(name="2026秋季五年级筛查").exists()


def test_the_edit_form_starts_from_the_saved_campaign(login: Any, world: World) -> None:
    html = login("counsellor").get(edit_url(world.camp1)).content.decode()
    assert 'value="2026秋季筛查"' in html
    assert 'value="5" class="form-check-input" id="id_grades_4" checked' in html
    assert 'value="PHQ-9@1" class="form-check-input" id="id_instruments_0" checked' in html
    assert 'name="school"' not in html  # a campaign never moves to another school


def test_a_counsellor_edits_the_campaign(login: Any, world: World) -> None:
    data = campaign_data(name="改名后", starts_on="2026-09-01", status="closed")
    response = login("counsellor").post(edit_url(world.camp1), data)
    world.camp1.refresh_from_db()
    assert response.status_code == 302
    assert world.camp1.name == "改名后" and world.camp1.status == Campaign.Status.CLOSED
    assert AuditEvent.objects.filter(action="screening.campaign.updated").exists()


def test_an_instrument_already_answered_cannot_be_removed(login: Any, world: World) -> None:
    data = campaign_data(instruments=["GAD-7@1"], starts_on="2026-09-01")
    html = login("counsellor").post(edit_url(world.camp1), data).content.decode()
    world.camp1.refresh_from_db()
    assert "已有筛查记录使用了这些量表" in html and "PHQ-9 1" in html
    assert world.camp1.instrument_keys() == [("PHQ-9", "1"), ("GAD-7", "1")]


def test_dates_must_keep_the_saved_screenings_inside(login: Any, world: World) -> None:
    html = login("counsellor").post(edit_url(world.camp1), campaign_data()).content.decode()
    assert "起止日期必须包含这些日期" in html  # a1 was administered on 2026-10-15


def test_supervisors_and_county_admins_cannot_edit(login: Any, world: World) -> None:
    for persona in ("supervisor", "county_admin"):
        assert login(persona).post(edit_url(world.camp1), campaign_data(name="x")).status_code == 403
    assert login("other_counsellor").post(edit_url(world.camp1), campaign_data()).status_code == 404
    world.camp1.refresh_from_db()
    assert world.camp1.name == "2026秋季筛查"


def test_the_roster_shows_consent_assessment_and_entry_links_to_the_counsellor(
    login: Any, world: World
) -> None:
    html = login("counsellor").get(detail_url(world.camp1)).content.decode()
    assert "王小䶮" in html and "李小明" in html
    assert "已同意（2026-09-01）" in html and "委托照护人签署" in html  # c1
    assert "缺少有效的筛查同意" in html  # c1b is 13 and has no consent
    assert "tier-red" in html and "红色" in html
    paper = reverse("screening:entry-paper", kwargs={"public_id": world.c1b.public_id})
    assert f"{paper}?campaign={world.camp1.public_id}" in html
    assert reverse("screening:assessment-result", kwargs={"public_id": world.a1.public_id}) in html


def test_a_child_of_14_needs_no_guardian_consent(login: Any, world: World) -> None:
    world.c1b.birth_date = dt.date(2012, 1, 1)
    world.c1b.save()
    html = login("counsellor").get(detail_url(world.camp1)).content.decode()
    assert "已满14周岁，无需监护人同意" in html


def test_a_withdrawn_consent_counts_as_missing(login: Any, world: World) -> None:
    Consent.objects.filter(child=world.c1).update(withdrawn_on=dt.date(2026, 11, 1))
    html = login("counsellor").get(detail_url(world.camp1)).content.decode()
    assert "已同意" not in html


def test_supervisors_see_the_roster_with_colours_but_no_entry_links(login: Any, world: World) -> None:
    html = login("supervisor").get(detail_url(world.camp1)).content.decode()
    assert "王小䶮" in html and "tier-red" in html
    assert "纸质录入</a>" not in html
    assert reverse("screening:campaign-edit", kwargs={"public_id": world.camp1.public_id}) not in html


def test_county_admins_see_counts_with_small_cells_suppressed(login: Any, world: World) -> None:
    html = login("county_admin").get(detail_url(world.camp1)).content.decode()
    assert "王小䶮" not in html and "李小明" not in html
    assert "&lt;5" in html  # 2 target children, 1 screened, 1 red
    assert "红色 &lt;5" in html


def test_small_tier_counts_zeros_included_are_shown_as_less_than_five() -> None:
    tiers = ["RED"] + ["YELLOW"] * 7 + ["GREEN"] * 30 + ["ORANGE"] * 6
    cells = progress_cells(50, tiers, tier_counts=True, exact=False)
    by_tier = {key[1]: text for key, text in cells.items() if isinstance(key, tuple)}
    # Three small cells (1, 0, 0) that together hold 1: none of them can be told apart.
    assert by_tier == {
        "RED_ACUTE": "<5", "RED": "<5", "ORANGE": "6", "YELLOW": "7", "GREEN": "30", "GREY": "<5",
    }
    assert (cells["target"], cells["screened"]) == ("50", "44")


def test_a_single_small_tier_cell_takes_the_next_smallest_cell_with_it() -> None:
    # Every tier but RED is 5 or more: RED = screened - the others, so the smallest other goes too.
    tiers = ["RED"] + ["RED_ACUTE"] * 5 + ["ORANGE"] * 5 + ["YELLOW"] * 7 + ["GREEN"] * 30 + ["GREY"] * 6
    cells = progress_cells(60, tiers, tier_counts=True, exact=False)
    assert (cells[("tier", "RED")], cells[("tier", "RED_ACUTE")]) == ("<5", "*")
    assert (cells[("tier", "ORANGE")], cells["screened"]) == ("5", "54")


def test_not_screened_children_count_as_a_cell_too() -> None:
    # 30 target, 27 screened: the 3 not screened could be read off, so "screened" is hidden.
    cells = progress_cells(30, ["GREEN"] * 27, tier_counts=False, exact=False)
    assert (cells["target"], cells["screened"], cells["unscreened"]) == ("30", "*", "<5")


def test_roles_with_per_child_rows_see_exact_counts() -> None:
    cells = progress_cells(3, ["RED"], tier_counts=True, exact=True)
    assert (cells["target"], cells["screened"], cells[("tier", "RED")], cells[("tier", "GREY")]) == (
        "3", "1", "1", "0",
    )


def test_reading_the_roster_is_audited(login: Any, world: World) -> None:
    login("supervisor").get(detail_url(world.camp1))
    event = AuditEvent.objects.get(action="screening.campaign.roster_viewed")
    assert event.actor_username == "supervisor" and event.detail == {"children": 2}


def test_campaign_pages_refuse_a_post_without_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("counsellor"))
    assert client.post(CREATE, campaign_data()).status_code == 403
    assert client.post(edit_url(world.camp1), campaign_data(name="x")).status_code == 403
    assert not Campaign.objects.filter(name="2026秋季五年级筛查").exists()


def test_the_campaign_page_links_to_import_and_summary(login: Any, world: Any) -> None:
    url = reverse("screening:campaign-detail", kwargs={"public_id": world.camp1.public_id})
    import_url = reverse("screening:import-upload", kwargs={"public_id": world.camp1.public_id})
    summary_url = reverse("screening:campaign-summary", kwargs={"public_id": world.camp1.public_id})
    counsellor_page = login("counsellor").get(url).content.decode()
    assert import_url in counsellor_page and summary_url in counsellor_page
    supervisor_page = login("supervisor").get(url).content.decode()
    assert summary_url in supervisor_page and import_url not in supervisor_page


def test_a_head_teacher_finds_the_class_overview_in_the_menu(login: Any, world: Any) -> None:
    page = login("head_teacher").get("/").content.decode()
    assert reverse("screening:class-overview", kwargs={"public_id": world.class1.public_id}) in page
