from django.urls import path

from qingqian.strategy import views

app_name = "strategy"

urlpatterns = [
    path("strategy/", views.dashboard, name="dashboard"),
    path("strategy/playbooks/<slug:key>/", views.playbook_edit, name="playbook_edit"),
]
