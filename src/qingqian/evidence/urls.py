from django.urls import path

from qingqian.evidence import views

app_name = "evidence"

urlpatterns = [
    path("cases/<int:case_id>/evidence/", views.upload, name="upload"),
    path("cases/<int:case_id>/evidence/package.zip", views.package, name="package"),
    path(
        "cases/<int:case_id>/evidence/<int:item_id>/versions/",
        views.version_new,
        name="version_new",
    ),
    path(
        "cases/<int:case_id>/evidence/<int:item_id>/v<int:number>/",
        views.download,
        name="download",
    ),
]
