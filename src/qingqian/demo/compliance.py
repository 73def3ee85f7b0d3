"""Demo data for the compliance officer (h19c): the firm's professional liability insurance
(in force, running out inside the 60-day warning window so the warning shows), the renewed
policy's predecessor, the mediation centre's registration, and one closed and one open
incident. Written through the compliance services as the demo compliance officer, so each
row has its audit row. Dates are relative to the load day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from qingqian.accounts.models import Organisation, User
from qingqian.cases.models import Case
from qingqian.common import clock
from qingqian.compliance import services


def seed_compliance(*, org: Organisation, users: dict[str, User]) -> None:
    officer = users.get("compliance")
    if officer is None:
        return
    today = clock.today()
    services.regulatory_record_add(
        actor=officer,
        kind="insurance",
        title="催收服务职业责任保险（上一期）",
        issuer="中国人民财产保险股份有限公司苏州市分公司",
        number="PZAA2025320500000876",
        cover=Decimal("3000000.00"),
        valid_from=today - dt.timedelta(days=365 + 320),
        valid_until=today - dt.timedelta(days=321),
        note="已续保",
    )
    services.regulatory_record_add(
        actor=officer,
        kind="insurance",
        title="催收服务职业责任保险",
        issuer="中国人民财产保险股份有限公司苏州市分公司",
        number="PZAA2026320500001234",
        cover=Decimal("5000000.00"),
        valid_from=today - dt.timedelta(days=320),
        valid_until=today + dt.timedelta(days=45),
        note="江苏规定催收机构须投保职业责任保险",
    )
    services.regulatory_record_add(
        actor=officer,
        kind="licence",
        title="商事调解组织登记证书",
        issuer="苏州市司法局",
        number="苏调登字〔2026〕第0158号",
        cover=None,
        valid_from=dt.date(today.year, 5, 1) if today.month >= 5 else dt.date(today.year - 1, 5, 1),
        valid_until=today + dt.timedelta(days=3 * 365),
    )
    case = Case.objects.filter(organisation=org).order_by("pk").first()
    closed = services.incident_open(
        actor=officer,
        kind="complaint",
        occurred_on=today - dt.timedelta(days=20),
        summary="债务人来电投诉一天内接到两次电话，要求只通过短信联系。",
        case=case,
    )
    services.incident_close(
        actor=officer,
        incident=closed,
        resolution="核对联系记录：两次均在允许时段内、未超过次数上限；已按要求登记拒绝电话联系。",
    )
    services.incident_open(
        actor=officer,
        kind="data",
        occurred_on=today - dt.timedelta(days=2),
        summary="一封催款邮件误发给同名的另一家公司，已请求对方删除，正在评估影响。",
    )
