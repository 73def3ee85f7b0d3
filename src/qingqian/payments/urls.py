from django.urls import path

from qingqian.payments import views

app_name = "payments"

urlpatterns = [
    path("cases/<int:case_id>/payments/", views.record, name="record"),
    path("cases/<int:case_id>/charges/", views.charge, name="charge"),
    path("payments/<int:payment_id>/reverse/", views.reverse, name="reverse"),
    path("money/statement/", views.statement, name="statement"),
    path("money/remittances/", views.remittances, name="remittances"),
    path("money/reconciliation/", views.reconciliation, name="reconciliation"),
]
