from django.urls import path

from qingqian.netting import views

app_name = "netting"

urlpatterns = [
    path("netting/", views.round_list, name="round_list"),
    path("netting/firms/", views.firm_search, name="firm_search"),  # h19d
    path("netting/<int:round_id>/", views.round_detail, name="round_detail"),
    path(
        "netting/<int:round_id>/<str:action>/",
        views.round_action,
        name="round_action",
    ),
    path(
        "netting/<int:round_id>/firms/<int:participant_id>/<str:action>/",
        views.participant_action,
        name="participant_action",
    ),
    path(
        "netting/<int:round_id>/firms/<int:participant_id>/notice.<str:fmt>",
        views.notice,
        name="notice",
    ),
]
