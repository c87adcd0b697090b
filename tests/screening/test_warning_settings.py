"""The county's warning timings page: bounds from SCREENING.md in Chinese, audited saves, history."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lbc.models import AuditEvent
from lbc.services.errors import DomainError
from screening.models import CountyWarningSettings
from screening.warnings.county_settings import save_warning_settings
from screening.warnings.deadlines import DEFAULT_SETTINGS, WarningSettings, bound_errors
from screening.warnings.notices import warning_settings_for
from tests.conftest import World


def page_url(world: World) -> str:
    return reverse("screening:warning-settings-county", kwargs={"public_id": world.county.public_id})


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "school_day_start": "07:30",
        "school_day_end": "16:30",
        "ack_red_acute_minutes": 15,
        "ack_red_minutes": 60,
        "ack_orange_minutes": 24,
        "ack_yellow_minutes": 72,
        "ack_grey_minutes": 72,
        "red_outside_school_hours": 3,
    }
    data.update(overrides)
    return data


# --- the rules (pure) ------------------------------------------------------------------------------


def test_the_defaults_are_within_bounds() -> None:
    assert bound_errors(DEFAULT_SETTINGS) == {}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"ack_red_minutes": 240}, "ack_red_minutes", "红色预警必须当天处置"),
        (
            {"ack_red_acute_minutes": 60, "ack_red_minutes": 90},
            "ack_red_acute_minutes",
            "应在5分钟到30分钟之间",
        ),
        ({"ack_yellow_minutes": 30 * 24 * 60}, "ack_yellow_minutes", "应在1小时到336小时之间"),
        ({"ack_red_minutes": 120, "ack_orange_minutes": 60}, "ack_orange_minutes", "不能短于较重等级"),
        ({"school_day_end_hour": 22}, "school_day_end", "放学时间应在12:00到20:00之间"),
    ],
)
def test_settings_outside_screening_bounds_are_named(
    values: dict[str, int], field: str, message: str
) -> None:
    errors = bound_errors(WarningSettings(**values))
    assert message in errors[field]


# --- the service ---------------------------------------------------------------------------------------


def test_saving_stores_the_values_and_audits_what_changed(world: World) -> None:
    changed = save_warning_settings(
        world.county, WarningSettings(ack_red_minutes=30), by=world.user("county_admin")
    )
    assert changed == {"ack_red_minutes": [60, 30]}
    assert warning_settings_for(world.county.pk).ack_red_minutes == 30
    assert warning_settings_for(world.county2.pk) == DEFAULT_SETTINGS
    event = AuditEvent.objects.get(action="screening.warning_settings.saved")
    assert event.detail == {"changed": {"ack_red_minutes": [60, 30]}}
    assert event.object_id == str(world.county.public_id)


def test_saving_the_same_values_writes_nothing(world: World) -> None:
    assert save_warning_settings(world.county, DEFAULT_SETTINGS, by=world.user("county_admin")) == {}
    assert not CountyWarningSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="screening.warning_settings.saved").exists()


def test_the_service_refuses_settings_out_of_bounds(world: World) -> None:
    with pytest.raises(DomainError):
        save_warning_settings(
            world.county, WarningSettings(ack_red_minutes=600), by=world.user("county_admin")
        )
    assert not CountyWarningSettings.objects.exists()


# --- the page -------------------------------------------------------------------------------------------


def test_the_page_shows_the_current_timings_in_hours_and_minutes(login: Any, world: World) -> None:
    html = login("county_admin").get(page_url(world)).content.decode()
    assert 'name="ack_red_minutes" value="60"' in html
    assert 'name="ack_orange_minutes" value="24"' in html  # 24 hours, stored as 1440 minutes
    assert 'name="school_day_start" value="07:30"' in html


def test_a_county_administrator_saves_and_sees_the_history(login: Any, world: World) -> None:
    client = login("county_admin")
    response = client.post(
        page_url(world), form_data(ack_orange_minutes=12, school_day_end="17:00"), follow=True
    )
    html = response.content.decode()
    assert "预警时限已保存" in html
    assert "橙色：每一级的确认时限（小时）：24 → 12" in html
    assert "16:30 → 17:00" in html
    stored = warning_settings_for(world.county.pk)
    assert stored.ack_orange_minutes == 12 * 60 and stored.school_day_end.hour == 17


def test_a_long_red_window_is_refused_in_chinese_and_keeps_the_values(login: Any, world: World) -> None:
    response = login("county_admin").post(
        page_url(world), form_data(ack_red_minutes=240, ack_yellow_minutes=48)
    )
    html = response.content.decode()
    assert response.status_code == 400 and "红色预警必须当天处置" in html
    assert 'value="48"' in html
    assert not CountyWarningSettings.objects.exists()


def test_school_ending_before_it_starts_is_refused(login: Any, world: World) -> None:
    response = login("county_admin").post(
        page_url(world), form_data(school_day_start="11:30", school_day_end="11:00")
    )
    assert response.status_code == 400 and "到校时间应早于放学时间" in response.content.decode()


def test_the_administration_tabs_lead_to_the_page(login: Any, world: World) -> None:
    html = login("county_admin").get(reverse("manage:home")).content.decode()
    assert reverse("screening:warning-settings") in html and "预警时限" in html
