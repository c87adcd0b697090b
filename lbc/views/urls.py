from django.urls import path

from lbc.views import (
    account,
    auth,
    child_edit,
    children,
    consents,
    grants,
    guardians,
    home,
    notifications,
    referrals,
    roster,
    transfers,
)

app_name = "lbc"
urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("account/", account.account, name="account"),
    path("account/password/", account.password_change, name="password-change"),
    path("account/reset/", account.password_reset, name="password-reset"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/contact/", notifications.contact_preference, name="contact-preference"),
    path("emergency-access/", grants.breakglass, name="breakglass"),
    path("referrals/", referrals.referral_list, name="referral-list"),
    path("referrals/<uuid:public_id>/", referrals.referral_detail, name="referral-detail"),
    path("children/<uuid:public_id>/refer/", referrals.referral_create, name="referral-create"),
    path("roster/", roster.roster_home, name="roster"),
    path("roster/template/", roster.roster_template, name="roster-template"),
    path("roster/<uuid:public_id>/", roster.roster_detail, name="roster-detail"),
    path("roster/<uuid:public_id>/mapping/", roster.roster_mapping, name="roster-mapping"),
    path("roster/<uuid:public_id>/exclude/", roster.roster_exclude, name="roster-exclude"),
    path("roster/<uuid:public_id>/commit/", roster.roster_commit, name="roster-commit"),
    path("children/", children.child_list, name="child-list"),
    path("children/new/", child_edit.child_create, name="child-create"),
    path("children/<uuid:public_id>/", children.child_detail, name="child-detail"),
    path("children/<uuid:public_id>/edit/", child_edit.child_edit, name="child-edit"),
    path("children/<uuid:public_id>/confirm/", child_edit.child_confirm, name="child-confirm"),
    path("children/<uuid:public_id>/transfer/", transfers.child_transfer, name="child-transfer"),
    path("children/<uuid:public_id>/guardians/new/", guardians.guardian_create, name="guardian-create"),
    path("guardians/<uuid:public_id>/edit/", guardians.guardian_edit, name="guardian-edit"),
    path("children/<uuid:public_id>/parents/new/", guardians.parent_create, name="parent-create"),
    path(
        "children/<uuid:public_id>/parents/<uuid:parent_id>/edit/", guardians.parent_edit, name="parent-edit"
    ),
    path("children/<uuid:public_id>/consents/new/", consents.consent_create, name="consent-create"),
    path(
        "children/<uuid:public_id>/consents/<uuid:consent_id>/withdraw/",
        consents.consent_withdraw,
        name="consent-withdraw",
    ),
]
