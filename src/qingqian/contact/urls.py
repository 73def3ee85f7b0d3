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
]
