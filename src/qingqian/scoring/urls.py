from django.urls import path

from qingqian.scoring import views

app_name = "scoring"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/threshold/", views.threshold, name="threshold"),
    path("scoring/experiment/", views.experiment, name="experiment"),
    path("scoring/experiment/settings/", views.experiment_settings, name="experiment_settings"),
    path("scoring/models/", views.models, name="models"),
    path("scoring/models/<str:version>/", views.model_detail, name="model"),
    path("cases/<int:case_id>/debtor-profile/", views.debtor_profile, name="debtor_profile"),
]
