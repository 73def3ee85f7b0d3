from django.urls import path

from qingqian.intake import views

app_name = "intake"

urlpatterns = [
    path("strategy/", views.dashboard, name="dashboard"),
    path("strategy/playbooks/<slug:key>/", views.playbook_edit, name="playbook_edit"),
]
