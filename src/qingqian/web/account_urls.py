"""The signed-in person's own account pages (``account:`` namespace)."""

from django.urls import path

from qingqian.web import account_views

app_name = "account"

urlpatterns = [
    path("", account_views.security, name="security"),
    path("2fa/enrol/", account_views.twofactor_enrol, name="twofactor_enrol"),
    path("2fa/verify/", account_views.twofactor_verify, name="twofactor_verify"),
    path("2fa/backup-codes/", account_views.twofactor_backup, name="twofactor_backup"),
    path("2fa/disable/", account_views.twofactor_disable, name="twofactor_disable"),
    path("password/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        account_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        account_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
