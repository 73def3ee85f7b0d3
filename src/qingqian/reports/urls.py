from django.urls import path

from qingqian.reports import agreement_views, views

app_name = "reports"

urlpatterns = [
    path("cases/<int:case_id>/feasibility/", views.feasibility, name="feasibility"),
    path("cases/<int:case_id>/feasibility/pdf/", views.feasibility_pdf, name="feasibility_pdf"),
    path(
        "cases/<int:case_id>/feasibility/regenerate/",
        views.feasibility_regenerate,
        name="feasibility_regenerate",
    ),
    path(
        "cases/<int:case_id>/feasibility/decide/",
        views.feasibility_decide,
        name="feasibility_decide",
    ),
    path("prices", views.prices, name="prices"),
    path("cases/<int:case_id>/agreement/", agreement_views.agreement_page, name="agreement"),
    path(
        "cases/<int:case_id>/agreement/draft/",
        agreement_views.agreement_draft,
        name="agreement_draft",
    ),
    path(
        "cases/<int:case_id>/agreement/send/", agreement_views.agreement_send, name="agreement_send"
    ),
    path(
        "cases/<int:case_id>/agreement/code/", agreement_views.agreement_code, name="agreement_code"
    ),
    path(
        "cases/<int:case_id>/agreement/sign/", agreement_views.agreement_sign, name="agreement_sign"
    ),
    path(
        "cases/<int:case_id>/agreement/<str:fmt>/",
        agreement_views.agreement_download,
        name="agreement_download",
    ),
]
