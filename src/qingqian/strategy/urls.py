from django.urls import path

from qingqian.strategy import views

app_name = "strategy"

urlpatterns = [
    path("strategy/", views.dashboard, name="dashboard"),
    path("strategy/playbooks/<slug:key>/", views.playbook_edit, name="playbook_edit"),
    path("strategy/followups/", views.followups, name="followups"),
    path("strategy/followups/save/", views.followup_save, name="followup_save"),
    path("strategy/followups/<int:pk>/letter/", views.followup_letter, name="followup_letter"),
]
