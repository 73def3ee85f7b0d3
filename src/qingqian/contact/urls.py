from django.urls import path

from qingqian.contact import views, views_desk, views_plan

app_name = "contact"

urlpatterns = [
    path("contact/", views.compliance, name="compliance"),
    path("contact/policies/", views.policies, name="policies"),
    path("contact/policies/<slug:name>/", views.policy_edit, name="policy_edit"),
    path("contact/holds/", views.holds, name="holds"),
    path("contact/plan/", views_plan.day_plan_page, name="day_plan"),
    path("contact/holds/<int:hold_id>/lift/", views.hold_lift, name="hold_lift"),
    path("contact/cases/<int:case_id>/holds/", views.case_hold_place, name="case_hold_place"),
    path(
        "contact/cases/<int:case_id>/unreachable/",
        views.case_unreachable_flag,
        name="case_unreachable_flag",
    ),
    path(
        "contact/unreachable/<int:flag_id>/clear/",
        views.unreachable_clear,
        name="unreachable_clear",
    ),
    path("contact/cases/<int:case_id>/notes/", views.case_notes_analyse, name="case_notes"),
    path("contact/followups/", views.followups, name="followups"),
    path(
        "contact/followups/<int:followup_id>/close/",
        views.followup_close,
        name="followup_close",
    ),
    # h19a: the collector's contact actions on a debtor
    path("contact/cases/<int:case_id>/call/", views_desk.case_call, name="case_call"),
    path("contact/calls/<int:attempt_id>/result/", views_desk.call_record, name="call_record"),
    path("contact/cases/<int:case_id>/message/", views_desk.case_message, name="case_message"),
    path("contact/cases/<int:case_id>/email/", views_desk.party_email, name="party_email"),
    path(
        "contact/cases/<int:case_id>/statement/",
        views_desk.case_statement,
        name="case_statement",
    ),
]
