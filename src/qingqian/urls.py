from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from qingqian.api.router import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("tlog/", include("qingqian.ledger.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("qingqian.web.account_urls")),  # h15b: own account, 2FA
    path("p/", include("qingqian.portal.urls")),
    path("", include("qingqian.negotiation.urls")),
    path("", include("qingqian.portal.staff_urls")),
    path("", include("qingqian.reports.urls")),
    path("", include("qingqian.netting.urls")),
    path("", include("qingqian.intake.urls")),
    path("", include("qingqian.payments.urls")),
    path("", include("qingqian.contact.urls")),
    path("", include("qingqian.scoring.urls")),
    path("", include("qingqian.evidence.urls")),
    path("", include("qingqian.ops.urls")),
    path("", include("qingqian.litigation.urls")),
    path("kpis/", include("qingqian.kpis.urls")),  # h20: performance figures
    path("", include("qingqian.mediation.urls")),  # h18
    # h19b: the demo outbox and the creditor's desk
    path("", include("qingqian.outbox.urls")),
    path("", include("qingqian.creditors.urls")),
    path("", include("qingqian.compliance.urls")),  # h19c: the compliance officer's pages
    path("", include("qingqian.vouchers.urls")),  # h23v: electronic debt vouchers
    path("", include("qingqian.consortium.urls")),  # h23f: the consortium
    path("", include("qingqian.web.urls")),
]
