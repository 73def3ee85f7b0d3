from django.urls import path

from qingqian.negotiation import views

app_name = "negotiation"

urlpatterns = [
    path("cases/<int:case_id>/plans/preview/", views.plan_preview, name="plan_preview"),
    path("cases/<int:case_id>/plans/", views.plan_propose, name="plan_propose"),
    path(
        "cases/<int:case_id>/plans/<int:version_id>/accept/",
        views.plan_accept,
        name="plan_accept",
    ),
    path("cases/<int:case_id>/promises/", views.promise_add, name="promise_add"),
    path("cases/<int:case_id>/offers/", views.offer_add, name="offer_add"),
]
