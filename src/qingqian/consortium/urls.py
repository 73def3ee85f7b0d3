from django.urls import path

from qingqian.consortium import views

app_name = "consortium"

urlpatterns = [
    path("consortium/", views.members, name="members"),
    path("consortium/given/", views.given, name="given"),
    path("consortium/given/<int:given_id>/withdraw/", views.given_withdraw, name="given_withdraw"),
    path("cases/<int:case_id>/consortium/", views.case_answers, name="case_answers"),
    path("cases/<int:case_id>/consortium/ask/", views.case_ask, name="case_ask"),
    # h23r: consortium netting rounds
    path("consortium/netting/", views.netting_list, name="netting_list"),
    path("consortium/netting/open/", views.netting_open, name="netting_open"),
    path("consortium/netting/<int:pk>/", views.netting_detail, name="netting_detail"),
    path("consortium/netting/<int:pk>/run/", views.netting_run, name="netting_run"),
    path("consortium/netting/<int:pk>/submit/", views.netting_submit, name="netting_submit"),
    path("consortium/netting/<int:pk>/decide/", views.netting_decide, name="netting_decide"),
    # what members send each other (signed notes; no session, no CSRF token)
    path("consortium/v1/psi", views.wire_psi, name="wire_psi"),
    path("consortium/v1/facts", views.wire_facts, name="wire_facts"),
    path("consortium/v1/withdrawals", views.wire_withdrawals, name="wire_withdrawals"),
    path("consortium/v1/netting/invite", views.wire_netting_invite, name="wire_netting_invite"),
    path("consortium/v1/netting/submit", views.wire_netting_submit, name="wire_netting_submit"),
    path("consortium/v1/netting/result", views.wire_netting_result, name="wire_netting_result"),
    path(
        "consortium/v1/netting/decision", views.wire_netting_decision, name="wire_netting_decision"
    ),
    path("consortium/v1/netting/final", views.wire_netting_final, name="wire_netting_final"),
]
