from django.urls import path

from qingqian.desk import views, views_plan

app_name = "desk"

urlpatterns = [
    path("contact/plan/", views_plan.day_plan_page, name="day_plan"),
    path("contact/cases/<int:case_id>/call/", views.case_call, name="case_call"),
    path("contact/calls/<int:attempt_id>/result/", views.call_record, name="call_record"),
    path("contact/cases/<int:case_id>/message/", views.case_message, name="case_message"),
    path("contact/cases/<int:case_id>/email/", views.party_email, name="party_email"),
    path("contact/cases/<int:case_id>/statement/", views.case_statement, name="case_statement"),
]
