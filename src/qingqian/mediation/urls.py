from django.urls import path

from qingqian.mediation import views

app_name = "mediation"

_C = "cases/<int:case_id>/mediation/"

urlpatterns = [
    path(_C, views.case_page, name="case"),
    path(f"{_C}request/", views.request_mediation, name="request"),
    path(f"{_C}assign/", views.assign, name="assign"),
    path(f"{_C}debtor/", views.debtor_profile, name="debtor_profile"),
    path(f"{_C}sessions/", views.session_add, name="session_add"),
    path(f"{_C}proposals/", views.proposal_add, name="proposal_add"),
    path(
        f"{_C}proposals/<int:proposal_id>/accept/",
        views.proposal_accept,
        name="proposal_accept",
    ),
    path(f"{_C}agreement/", views.agreement_draft, name="agreement_draft"),
    path(f"{_C}agreement/code/", views.sign_code, name="sign_code"),
    path(f"{_C}agreement/sign/", views.sign_party, name="sign_party"),
    path(f"{_C}agreement/mediator-sign/", views.sign_mediator, name="sign_mediator"),
    path(
        f"{_C}agreement.<str:fmt>",
        views.agreement_download,
        name="agreement_download",
    ),
    path(f"{_C}confirmation/", views.confirmation_file, name="confirmation_file"),
    path(f"{_C}confirmation/ruling/", views.ruling, name="ruling"),
    path(f"{_C}fail/", views.fail, name="fail"),
    path("mediation/roster/", views.roster, name="roster"),
    path("reports/mediation/", views.figures, name="figures"),
]
