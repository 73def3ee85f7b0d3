from django.urls import path

from qingqian.vouchers import views

app_name = "vouchers"

urlpatterns = [
    path("vouchers/", views.voucher_list, name="list"),
    path("vouchers/<int:voucher_id>/", views.detail, name="detail"),
    path("vouchers/<int:voucher_id>/voucher.pdf", views.pdf, name="pdf"),
    path("cases/<int:case_id>/vouchers/", views.issue, name="issue"),
    path("vouchers/<int:voucher_id>/assign/", views.assign, name="assign"),
    path("vouchers/<int:voucher_id>/notice/", views.notice, name="notice"),
    path("vouchers/<int:voucher_id>/settle/", views.settle, name="settle"),
    path("vouchers/<int:voucher_id>/cancel/", views.cancel, name="cancel"),
]
