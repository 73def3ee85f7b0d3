from django.urls import path, re_path

from qingqian.ledger import views

app_name = "tlog"

urlpatterns = [
    path("checkpoint", views.checkpoint, name="checkpoint"),
    path("key-announcements", views.key_announcements, name="key_announcements"),
    re_path(r"^tile/(?P<path>[0-9a-z./]+)$", views.tile, name="tile"),
]
