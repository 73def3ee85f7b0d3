"""Staff routes of the portal, under the case book's paths (``/cases/<id>/…``)."""

from django.urls import path

from qingqian.portal import staff_views

app_name = "portal_staff"

urlpatterns = [
    path("cases/<int:case_id>/portal-link/", staff_views.link_send, name="link_send"),
]
