from django.urls import path

from qingqian.creditors import views

app_name = "creditors"

urlpatterns = [
    path("account/contacts/", views.contacts, name="contacts"),
    path("cases/<int:case_id>/messages/", views.case_message, name="case_message"),
]
