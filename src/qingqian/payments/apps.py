from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "qingqian.payments"
    label = "payments"
    verbose_name = _("回款、佣金与客户资金")
