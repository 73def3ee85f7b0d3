"""Demo data for mediation: a Kunshan roster (the staff mediator and three community
mediators, 乡贤, in Kunshan towns, one with a limited login), the organisation's licence and
mediation fees, collectors' dialects, and on the portfolio's mediation cases: sessions,
proposals, two signed agreements (one in installments, which becomes the case's plan — a new
version of its active plan if it has one), one judicial confirmation ruled valid, one failed
mediation handed to the judicial route, and open ones. Written through the services, so every
row has its timeline, case-log and audit rows. Runs before the litigation seeding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Max

from qingqian.accounts.models import Organisation, User
from qingqian.cases.models import Case, TimelineEvent
from qingqian.common import clock
from qingqian.mediation import services
from qingqian.mediation.models import (
    FeeBasis,
    Mediation,
    MediationAgreement,
    MediationFee,
    Mediator,
    OrganisationLicence,
    SpeechProfile,
)
from qingqian.mediation.selectors import debtor_of

KUNSHAN_TOWNS = ("周市镇", "巴城镇", "张浦镇", "千灯镇", "陆家镇", "花桥镇")
COMMUNITY_LOGIN = "xiangxian"


def _roster(org: Organisation, users: dict[str, User]) -> list[int]:
    admin = users["admin"]
    staff = services.mediator_add(
        organisation=org, actor=admin, kind="staff", name="陆佩芬", title="专职调解员",
        localities=["姑苏区", "昆山市"],
        dialects=[{"dialect": "mandarin", "level": "native"},
                  {"dialect": "suzhou", "level": "native"}],
        specialities=["trade", "construction"], capacity=20, user=users["mediator"],
    )  # fmt: skip
    login = User.objects.create(
        username=COMMUNITY_LOGIN, organisation=org, role="community_mediator",
        first_name="老师", last_name="顾", password=users["admin"].password,
    )  # fmt: skip
    elders = [
        ("顾明德", "退休教师", "周市镇", ["trade", "private_loan", "family"], login),
        ("沈阿根", "村干部（老村支书）", "张浦镇", ["construction", "family"], None),
        ("朱建华", "企业家（商会副会长）", "花桥镇", ["trade", "construction"], None),
    ]
    ids = [staff.pk]
    for name, title, town, specialities, user in elders:
        m = services.mediator_add(
            organisation=org, actor=admin, kind="community", name=name, title=title,
            localities=[f"昆山市/{town}", "昆山市"],
            dialects=[{"dialect": "kunshan", "level": "native"},
                      {"dialect": "suzhou", "level": "fluent"},
                      {"dialect": "mandarin", "level": "fluent"}],
            specialities=specialities, capacity=6, user=user,
        )  # fmt: skip
        services.mediator_undertakings_record(
            mediator=m, actor=admin, consent=True, confidentiality=True
        )
        ids.append(m.pk)
    return ids


def _published(org: Organisation, today: dt.date) -> None:
    OrganisationLicence.objects.create(
        organisation=org, number="苏商调登 2026-0107（演示）", authority="苏州市司法局（演示）",
        issued_on=dt.date(2026, 5, 20), scope="买卖、建设工程、民间借贷等商事纠纷调解",
        basis="《商事调解条例》", verified=False,
    )  # fmt: skip
    for name, en, basis, amount, pct, minimum, payer, payer_en in (
        ("调解受理费", "Filing fee", FeeBasis.FIXED, "200.00", None, None,
         "申请人", "the applicant"),
        ("调解服务费", "Mediation service fee", FeeBasis.PERCENT, None, "1.50", "500.00",
         "双方各半", "shared equally"),
    ):  # fmt: skip
        MediationFee.objects.create(
            organisation=org, name=name, name_en=en, basis=basis,
            amount=Decimal(amount) if amount else None,
            percent=Decimal(pct) if pct else None,
            minimum=Decimal(minimum) if minimum else None,
            payer=payer, payer_en=payer_en, effective_from=dt.date(2026, 5, 20),
        )  # fmt: skip


def _sign(a: MediationAgreement, actor: User, mediator_name: str) -> MediationAgreement:
    for side, name in (("creditor", "委托人代表"), ("debtor", "债务人本人")):
        code: list[str] = []
        services.agreement_code_send(agreement=a, actor=actor, side=side, deliver=code.append)
        a = services.agreement_sign_party(
            agreement=a, actor=actor, side=side, typed_name=name, code=code[0]
        )
    return services.agreement_sign_mediator(agreement=a, actor=actor, typed_name=mediator_name)


def _backdate(m: Mediation, days: int) -> None:
    at = clock.now() - dt.timedelta(days=days)
    Mediation.objects.filter(pk=m.pk).update(requested_at=at, assigned_at=at)


def seed_mediation(*, org: Organisation, users: dict[str, User]) -> int:
    """The roster and the mediation cases' work; returns how many mediations were written."""
    today = clock.today()
    roster = _roster(org, users)
    _published(org, today)
    for username, dialects in (
        ("collector", [{"dialect": "suzhou", "level": "native"}]),
        ("collector2", [{"dialect": "kunshan", "level": "native"}]),
    ):
        if username in users:
            SpeechProfile.objects.create(
                user=users[username],
                localities=["昆山市"] if username == "collector2" else ["姑苏区"],
                dialects=[*dialects, {"dialect": "mandarin", "level": "fluent"}],
            )
    actor = users["mediator"]
    cases = list(Case.objects.filter(organisation=org, state="mediation").order_by("pk")[:8])
    written = 0
    for i, case in enumerate(cases):
        debtor = debtor_of(case)
        services.debtor_profile_set(
            party=debtor, actor=actor, locality=f"昆山市/{KUNSHAN_TOWNS[i % len(KUNSHAN_TOWNS)]}",
            dialect="kunshan" if i % 3 else "", source="demo",
        )  # fmt: skip
        m = services.mediation_request(case=case, actor=actor, note="债务人同意调解")
        best = services.mediation_match(case)
        if not best:
            continue
        chosen = Mediator.objects.get(pk=best[0].candidate.id)
        if i == 2:  # the Kunshan elders were busy: the staff mediator (Suzhou Wu) took it
            staff = next((b for b in best if b.candidate.id == roster[0]), None)
            chosen = Mediator.objects.get(pk=staff.candidate.id) if staff else chosen
        m = services.mediation_assign(mediation=m, actor=actor, mediator=chosen)
        written += 1
        services.session_add(
            mediation=m, actor=actor, mode="in_person" if i % 2 == 0 else "video",
            at=clock.now() - dt.timedelta(days=6 - i % 3),
            place=f"昆山市{KUNSHAN_TOWNS[i % len(KUNSHAN_TOWNS)]}人民调解委员会",
            participants="债权人代表、债务人、调解员",
            minutes="双方陈述欠款经过；债务人表示经营困难，愿意协商还款。",
        )  # fmt: skip
        balance = case.outstanding
        if balance <= 0 or i >= 4:
            _backdate(m, 5 + i)
            continue  # open mediations
        offer = services.proposal_add(
            mediation=m, actor=actor, side="creditor", amount=balance,
            pay_by=today + dt.timedelta(days=30), note="一次付清",
        )  # fmt: skip
        if i == 2:
            services.mediation_fail(mediation=m, actor=actor, reason="债务人否认欠款，双方分歧过大")
            _backdate(m, 20)
            continue
        months = 6 if i in (0, 3) else 0
        agreed_amount = (balance * Decimal("0.95")).quantize(Decimal("0.01"))
        counter = services.proposal_add(
            mediation=m, actor=actor, side="debtor", amount=agreed_amount, months=months,
            start=(today.replace(day=1) + dt.timedelta(days=32)).strftime("%Y-%m"),
            pay_by=None if months else today + dt.timedelta(days=20), counter_to=offer,
            note="减免 5%，分期" if months else "减免 5%，一次付清",
        )  # fmt: skip
        services.proposal_accept(proposal=counter, actor=actor)
        a = services.agreement_draft(
            mediation=m, actor=actor, facts="债务人拖欠货款，经多次催告未付。",
            disputed="欠款金额、减免与付款期限", method="银行转账至债权人指定账户",
            place="江苏省昆山市",
        )  # fmt: skip
        assert m.mediator is not None
        a = _sign(a, actor, m.mediator.name)
        _backdate(m, 4 + i)
        if i == 0:
            app = services.confirmation_file(
                agreement=a, actor=actor, court="昆山市人民法院", filed_on=today
            )
            services.confirmation_ruling(
                application=app, actor=actor, ruling_on=today, confirmed=True,
                case_number=f"({today.year})苏0583民特{120 + case.pk % 700}号",
            )  # fmt: skip
        elif i == 1:
            services.confirmation_file(
                agreement=a, actor=actor, court="昆山市人民法院", filed_on=today
            )
    # the mediation rows were written today: the case's last activity is its last row
    for case in cases:
        last = TimelineEvent.objects.filter(case=case).aggregate(at=Max("at"))["at"]
        Case.objects.filter(pk=case.pk).update(updated_at=last)
    return written
