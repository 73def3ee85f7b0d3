from django.urls import path

from qingqian.portal import views

app_name = "portal"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("home/", views.home, name="home"),
    path("dispute/", views.dispute, name="dispute"),
    path("plan/", views.plan, name="plan"),
    path("contact/", views.contact, name="contact"),
    path("privacy/", views.privacy, name="privacy"),
    path("pay/", views.pay, name="pay"),
    path("vouchers/", views.vouchers, name="vouchers"),  # h23v
    path("<str:token>/", views.open_link, name="open"),
]
