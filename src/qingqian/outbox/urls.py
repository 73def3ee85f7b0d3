from django.urls import path

from qingqian.outbox import views

app_name = "outbox"

urlpatterns = [
    path("outbox/", views.outbox_list, name="list"),
]
