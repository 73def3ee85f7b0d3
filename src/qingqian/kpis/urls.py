from django.urls import path

from qingqian.kpis import views

app_name = "kpis"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("drill/<str:by>/", views.drill, name="drill"),
    path("export/<str:table>.xlsx", views.export, name="export"),
]
urlpatterns += [
    path("creditor-reports/", views.creditor_reports, name="creditor_reports"),
    path(
        "creditor-reports/<int:report_id>/pdf/",
        views.creditor_report_pdf,
        name="creditor_report_pdf",
    ),
]
