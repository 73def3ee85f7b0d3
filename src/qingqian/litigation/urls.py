from django.urls import path

from qingqian.litigation import views

app_name = "litigation"

urlpatterns = [
    path(
        "cases/<int:case_id>/litigation/proceedings/", views.proceeding_add, name="proceeding_add"
    ),
    path(
        "cases/<int:case_id>/litigation/proceedings/<int:proceeding_id>/",
        views.proceeding_edit,
        name="proceeding_edit",
    ),
    path(
        "cases/<int:case_id>/litigation/proceedings/<int:proceeding_id>/hearings/",
        views.hearing_add,
        name="hearing_add",
    ),
    path(
        "cases/<int:case_id>/litigation/proceedings/<int:proceeding_id>/recoveries/",
        views.recovery_add,
        name="recovery_add",
    ),
    path(
        "cases/<int:case_id>/litigation/deadlines/<int:deadline_id>/done/",
        views.deadline_done,
        name="deadline_done",
    ),
    path("cases/<int:case_id>/litigation/asset-clues/", views.clue_add, name="clue_add"),
    path(
        "cases/<int:case_id>/litigation/asset-clues/<int:clue_id>/reveal/",
        views.clue_reveal,
        name="clue_reveal",
    ),
    path(
        "cases/<int:case_id>/litigation/interruptions/",
        views.interruption_add,
        name="interruption_add",
    ),
    path("cases/<int:case_id>/litigation/documents/", views.document_new, name="document_new"),
    path(
        "cases/<int:case_id>/litigation/documents/<int:document_id>/",
        views.document_edit,
        name="document_edit",
    ),
    path(
        "cases/<int:case_id>/litigation/documents/<int:document_id>/final/",
        views.document_final,
        name="document_final",
    ),
    path(
        "cases/<int:case_id>/litigation/documents/<int:document_id>.<str:fmt>",
        views.document_download,
        name="document_download",
    ),
    path("cases/<int:case_id>/litigation/bundle.zip", views.bundle, name="bundle"),
    path("deadlines/", views.calendar, name="calendar"),
    path("deadlines/feed/", views.feed_rotate, name="feed_rotate"),
    path("deadlines/feed/<str:token>.ics", views.feed, name="feed"),
]
