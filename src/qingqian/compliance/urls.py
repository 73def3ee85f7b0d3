from django.urls import path

from qingqian.compliance import views

app_name = "compliance"

urlpatterns = [
    path("compliance/audit/", views.audit, name="audit"),
    path("compliance/audit/export/", views.audit_export, name="audit_export"),
    path("compliance/records/", views.records, name="records"),
    path(
        "compliance/users/<int:user_id>/certificate/",
        views.certificate_set,
        name="certificate_set",
    ),
    path("compliance/incidents/", views.incidents, name="incidents"),
    path(
        "compliance/incidents/<int:incident_id>/close/",
        views.incident_close,
        name="incident_close",
    ),
]
