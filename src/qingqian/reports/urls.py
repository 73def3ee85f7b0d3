from django.urls import path

from qingqian.reports import views

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
]
