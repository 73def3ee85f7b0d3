from django.urls import path

from qingqian.web import calc_views, guide_views, views

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/transition/", views.case_transition, name="case_transition"),
    path("cases/<int:case_id>/assign/", views.case_assign, name="case_assign"),
    path(
        "cases/<int:case_id>/parties/<int:party_id>/reveal/<str:field>/",
        views.party_reveal_view,
        name="party_reveal",
    ),
    path("hotline/", views.hotline, name="hotline"),
    path("hotline/<int:call_id>/case/", views.hotline_case, name="hotline_case"),
    path("imports/", views.import_new, name="import_new"),
    path("imports/<int:job_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/columns/", views.import_columns, name="import_columns"),  # h19d
    path("imports/template.xlsx", views.import_template, name="import_template"),  # h19d
    path("imports/<int:job_id>/errors.csv", views.import_errors_csv, name="import_errors_csv"),
    path("aging/", views.aging, name="aging"),
    path("calc/", calc_views.calc_index, name="calc_index"),
    path("calc/<str:name>/", calc_views.calc_page, name="calc_page"),
    # h24: the user guide (make docs), linked from every page's header
    path("guide/", guide_views.guide_page, name="guide"),
    path("guide/<path:path>", guide_views.guide_page, name="guide_page"),
]
