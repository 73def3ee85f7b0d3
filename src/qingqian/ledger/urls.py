from django.urls import path, re_path

from qingqian.ledger import views

app_name = "tlog"

urlpatterns = [
    path("checkpoint", views.checkpoint, name="checkpoint"),
    re_path(r"^tile/(?P<path>[0-9a-z./]+)$", views.tile, name="tile"),
]
