from django.urls import path

from qingqian.contact import views

app_name = "contact"

urlpatterns = [
    path("contact/", views.compliance, name="compliance"),
    path("contact/policies/", views.policies, name="policies"),
    path("contact/policies/<slug:name>/", views.policy_edit, name="policy_edit"),
    path("contact/holds/", views.holds, name="holds"),
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
]
