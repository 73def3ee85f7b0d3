from django.urls import path

from qingqian.consortium import views

app_name = "consortium"

urlpatterns = [
    path("consortium/", views.members, name="members"),
    path("consortium/given/", views.given, name="given"),
    path("consortium/given/<int:given_id>/withdraw/", views.given_withdraw, name="given_withdraw"),
    path("cases/<int:case_id>/consortium/", views.case_answers, name="case_answers"),
    path("cases/<int:case_id>/consortium/ask/", views.case_ask, name="case_ask"),
    # what members send each other (signed notes; no session, no CSRF token)
    path("consortium/v1/psi", views.wire_psi, name="wire_psi"),
    path("consortium/v1/facts", views.wire_facts, name="wire_facts"),
    path("consortium/v1/withdrawals", views.wire_withdrawals, name="wire_withdrawals"),
]
