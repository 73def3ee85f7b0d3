"""Every audit action in words (Chinese, English): the audit trail never shows a code.

Pure (no Django). ``ACTIONS`` holds every action the application writes;
``tests/compliance/test_labels.py`` reads the source for ``action="…"`` literals and the
dynamic families below and fails on one without words. An action written by code added
later without a line here is still shown in words: its area's name and "other operation".
"""

from __future__ import annotations

ACTIONS: dict[str, tuple[str, str]] = {
    # accounts and keys
    "user.create": ("创建用户", "user created"),
    "user.certificate_set": ("登记催收员资格证书", "collector certificate recorded"),
    "api_token.create": ("签发 API 令牌", "API token issued"),
    "otp.issue": ("发送一次性验证码", "one-time code sent"),
    "otp.verify": ("验证码核验通过", "one-time code verified"),
    "otp.wrong": ("验证码输入错误", "wrong one-time code"),
    "keys.field_rotate": ("轮换个人信息加密密钥", "personal-data key rotated"),
    # accounts: passwords and two-factor sign-in
    "account.password_change": ("修改密码", "password changed"),
    "account.password_reset_request": ("申请重置密码", "password reset requested"),
    "account.password_reset_throttled": (
        "重置密码申请过于频繁被拒绝",
        "password reset refused: too many requests",
    ),
    "account.password_reset": ("通过邮件链接重置密码", "password reset by e-mail link"),
    "twofactor.enrol_start": ("开始绑定两步验证", "two-factor enrolment started"),
    "twofactor.enrol": ("绑定两步验证", "two-factor enrolled"),
    "twofactor.verify": ("两步验证通过", "two-factor code accepted"),
    "twofactor.failure": ("两步验证码错误", "wrong two-factor code"),
    "twofactor.backup_codes": ("生成两步验证备用码", "two-factor backup codes made"),
    "twofactor.disable": ("停用两步验证", "two-factor turned off"),
    "twofactor.reset": ("管理员重置两步验证", "two-factor reset by an administrator"),
    "twofactor.signed_out": (
        "两步验证错误过多，已退出登录",
        "signed out after too many wrong codes",
    ),
    "retention.rule_set": ("设定个人信息保存期限", "retention rule set"),
    "retention.rule_delete": ("删除个人信息保存期限规则", "retention rule deleted"),
    "party.anonymise": ("到期匿名化个人信息", "personal data anonymised at the end of retention"),
    "party.email_set": ("登记电子邮箱", "e-mail address recorded"),
    # the creditor's desk
    "contact_point.add": ("登记债权人联系方式", "creditor contact point added"),
    "contact_point.verify": ("核验债权人联系方式", "creditor contact point verified"),
    "case_message.post": ("发送案件留言", "case message posted"),
    "outbox.view": ("查看演示发件箱", "demo outbox read"),
    "kpis.creditor_report": ("生成债权人月度报告", "monthly creditor report made"),
    "contact.disposition": ("记录通话结果", "call result recorded"),
    # mediation
    "mediation.mediator_add": ("登记调解员", "mediator added to the roster"),
    "mediation.undertakings": ("登记调解员保密与回避承诺", "mediator undertakings recorded"),
    "mediation.debtor_profile": ("登记债务人所在地与方言", "debtor's place and dialect recorded"),
    "mediation.request": ("申请调解", "mediation requested"),
    "mediation.assign": ("指定调解员", "mediator assigned"),
    "mediation.session": ("登记调解会谈", "mediation session recorded"),
    "mediation.proposal": ("提出调解方案", "mediation proposal made"),
    "mediation.proposal_accept": ("接受调解方案", "mediation proposal accepted"),
    "mediation.fail": ("调解不成", "mediation failed"),
    "mediation.agreement_draft": ("起草调解协议", "mediation agreement drafted"),
    "mediation.agreement_sign_party": (
        "当事人签署调解协议",
        "mediation agreement signed by a party",
    ),
    "mediation.agreement_sign_mediator": (
        "调解员签署调解协议",
        "mediation agreement signed by the mediator",
    ),
    "mediation.agreement_signed": ("调解协议签署完毕", "mediation agreement fully signed"),
    "mediation.confirmation_file": ("申请司法确认", "judicial confirmation filed"),
    "mediation.confirmation_ruling": ("登记司法确认裁定", "judicial confirmation ruling recorded"),
    "plan.agree_by_mediation": ("依调解协议设立还款方案", "plan set by the mediation agreement"),
    "portal.rebind": (
        "自助链接在新设备打开，需重新核验",
        "portal link opened on a new device; checks reset",
    ),
    # parties: who saw whose identifiers
    "party.create": ("登记当事人", "party registered"),
    "party.reveal": ("查看完整个人信息", "personal data viewed in clear"),
    "party.reveal_id_number": ("查看完整身份证号／信用代码", "ID number viewed in clear"),
    "party.reveal_phone": ("查看完整电话号码", "phone number viewed in clear"),
    "party.subject_export": ("导出个人信息副本（个人信息查阅请求）", "personal data export"),
    # cases
    "case.open": ("立案", "case opened"),
    "case.transition": ("推进案件状态", "case moved"),
    "case.assign": ("分派案件", "case assigned"),
    "hotline.record": ("登记热线来电", "hotline call recorded"),
    "ledger.import": ("导入应收台账", "ledger imported"),
    "ledger.log_key_rotate": ("轮换证据日志签名密钥", "evidence log signing key rotated"),
    "invoice.dispute": ("登记发票异议", "invoice disputed"),
    "limitation.update": ("更新诉讼时效", "limitation period updated"),
    "limitation_event.add": ("登记时效中断事由", "limitation interruption recorded"),
    # evidence
    "evidence.add": ("上传证据", "evidence uploaded"),
    "evidence.download": ("下载证据", "evidence downloaded"),
    "evidence.export": ("导出证据包", "evidence package exported"),
    "evidence.redaction": ("生成证据脱敏版本", "evidence redacted version"),
    "evidence.conversion": ("生成证据格式转换版本", "evidence converted version"),
    # intake, reports, agreements, strategy
    "feasibility_report.generate": ("生成可行性报告", "feasibility report made"),
    "feasibility_report.decide": ("决定是否接案", "case accepted or rejected"),
    "fee_schedule.create": ("发布收费标准", "fee schedule published"),
    "agreement.draft": ("起草委托协议", "fee agreement drafted"),
    "agreement.send": ("发送委托协议", "fee agreement sent"),
    "agreement.sign": ("签署委托协议", "fee agreement signed"),
    "playbook.save": ("保存策略剧本", "playbook saved"),
    "strategy.start": ("启动催收策略", "strategy started"),
    "strategy.step": ("执行策略步骤", "strategy step run"),
    "followup_schedule.save": ("保存跟进计划", "follow-up schedule saved"),
    # contact: who contacted whom
    "contact.deliver": ("发出联系（短信、邮件、信函、电话）", "contact made"),
    "contact.outcome": ("记录联系结果", "contact outcome recorded"),
    "contact.transactional": ("发送事务性通知", "transactional message sent"),
    "contact.hold_place": ("暂停联系", "contact put on hold"),
    "contact.hold_lift": ("解除联系暂停", "contact hold lifted"),
    "contact.unreachable_flag": ("标记无法联系", "debtor flagged unreachable"),
    "contact.unreachable_clear": ("清除无法联系标记", "unreachable flag cleared"),
    "contact.policy_publish": ("发布联系政策新版本", "contact policy published"),
    "contact.followup_done": ("完成跟进事项", "follow-up done"),
    "contact.transcript_analyse": ("分析通话记录", "call transcript analysed"),
    # negotiation
    "promise.record": ("记录还款承诺", "promise recorded"),
    "promise.kept": ("还款承诺已履行", "promise kept"),
    "promise.broken": ("还款承诺未履行", "promise broken"),
    "plan.propose": ("提出分期还款方案", "installment plan proposed"),
    "plan.accept_staff": ("经办人接受还款方案", "plan accepted by staff"),
    "plan.accept_debtor": ("债务人接受还款方案", "plan accepted by the debtor"),
    "plan.breach": ("还款方案违约", "plan breached"),
    "plan.complete": ("还款方案履行完毕", "plan completed"),
    "settlement.offer": ("提出和解方案", "settlement offered"),
    "settlement.accept": ("接受和解方案", "settlement accepted"),
    "settlement.expire": ("和解方案过期", "settlement offer expired"),
    # money
    "payment.record": ("记录回款", "payment recorded"),
    "payment.reverse": ("冲销回款", "payment reversed"),
    "charge.costs": ("记入费用", "costs charged"),
    "charge.interest": ("记入利息", "interest charged"),
    "remittance.create": ("生成划付批次", "remittance created"),
    # the debt radar
    "scoring.rescore": ("重新评分", "cases re-scored"),
    "scoring.threshold_set": ("设置队列阈值", "queue threshold set"),
    "scoring.experiment_set": ("设置评分实验", "scoring experiment set"),
    "scoring.debtor_profile_save": ("保存债务人画像", "debtor profile saved"),
    "scoring.model_train": ("训练评分模型", "scoring model trained"),
    "scoring.model_promote": ("启用评分模型", "scoring model promoted"),
    # the judicial route
    "proceeding.create": ("登记诉讼程序", "proceeding added"),
    "proceeding.update": ("更新诉讼程序", "proceeding updated"),
    "hearing.add": ("登记开庭", "hearing added"),
    "court_deadline.set": ("设置法定期限", "court deadline set"),
    "court_deadline.done": ("完成法定期限事项", "court deadline done"),
    "court_deadline.remove": ("撤销法定期限", "court deadline removed"),
    "asset_clue.add": ("登记财产线索", "asset lead added"),
    "asset_clue.reveal": ("查看财产线索详情", "asset lead viewed in clear"),
    "document.draft": ("起草诉讼文书", "court document drafted"),
    "document.edit": ("修改诉讼文书", "court document edited"),
    "document.finalise": ("定稿诉讼文书", "court document finalised"),
    "document.register": ("登记诉讼文书", "court document registered"),
    "document.bundle": ("生成立案材料包", "filing bundle made"),
    "calendar_feed.issue": ("签发日历订阅地址", "calendar feed issued"),
    # supply-chain netting
    "netting.round_created": ("发起清欠轮次", "netting round started"),
    "netting.round_invited": ("邀请参与清欠", "netting participants invited"),
    "netting.payables_uploaded": ("上传应付清单", "payables uploaded"),
    "netting.participant_confirmed": ("参与方确认清单", "participant confirmed"),
    "netting.participant_consented": ("参与方同意抵销", "participant consented"),
    "netting.participant_accepted": ("参与方接受结果", "participant accepted"),
    "netting.round_cancelled": ("取消清欠轮次", "netting round cancelled"),
    "netting.round_solved": ("计算抵销方案", "netting round solved"),
    "netting.round_applied": ("执行抵销", "set-offs applied"),
    # the debtor's portal
    "portal.link_send": ("发送自助页面链接", "portal link sent"),
    "portal.open": ("债务人打开自助页面", "portal opened"),
    "portal.identity_check": ("债务人核验身份", "portal identity check"),
    "portal.verified": ("债务人通过验证", "portal verified"),
    "portal.view_claim": ("债务人查看账款", "claim viewed in the portal"),
    "portal.dispute": ("债务人提出异议", "dispute raised in the portal"),
    "portal.opt_out": ("债务人拒绝某种联系方式", "contact medium refused in the portal"),
    "portal.promise": ("债务人承诺还款", "promise made in the portal"),
    "portal.plan_propose": ("债务人提出还款方案", "plan proposed in the portal"),
    "portal.plan_code": ("发送方案确认验证码", "plan confirmation code sent"),
    "portal.plan_accept": ("债务人确认还款方案", "plan accepted in the portal"),
    "portal.pay_order": ("债务人发起在线支付", "online payment started"),
    "portal.pay_order_failed": ("在线支付下单失败", "online payment order failed"),
    "portal.pay_refused": ("在线支付被拒绝", "online payment refused"),
    "portal.pay": ("债务人在线支付成功", "online payment received"),
    "portal.pay_return": ("债务人从支付页面返回", "returned from the payment page"),
    "portal.offer_accept": ("债务人接受和解方案", "settlement accepted in the portal"),
    # h19c: compliance itself
    "audit.export": ("导出审计记录", "audit trail exported"),
    "regulatory.record_add": ("登记监管资质", "regulatory record added"),
    "incident.open": ("登记合规事件", "incident recorded"),
    "incident.close": ("合规事件结案", "incident closed"),
    # h23v: electronic debt vouchers
    "voucher.issued": ("签发债权凭证", "debt voucher issued"),
    "voucher.acknowledged": ("债务人确认债权凭证", "debt voucher acknowledged by the debtor"),
    "voucher.assigned": ("记录债权转让", "assignment of a voucher's claim recorded"),
    "voucher.notice_given": ("通知债务人债权转让", "debtor notified of an assignment"),
    "voucher.settled": ("记录凭证清偿", "voucher settlement recorded"),
    "voucher.cancelled": ("作废债权凭证", "debt voucher cancelled"),
    "voucher.view": ("查看债权凭证", "debt voucher viewed"),
    "voucher.pdf": ("下载债权凭证", "debt voucher downloaded"),
    "portal.voucher_code": ("发送凭证确认验证码", "voucher acknowledgement code sent"),
    "portal.voucher_view": ("债务人查看债权凭证", "vouchers viewed in the portal"),
    # h23f: the consortium
    "consortium.members_adopt": ("采用同业共享成员名单", "consortium member list adopted"),
    "consortium.query": ("向同业共享成员查询债务人", "consortium asked about a debtor"),
    "consortium.answer_give": ("向同业成员提供债务人信息", "debtor facts given to a member"),
    "consortium.answer_withdraw": ("撤回向同业成员提供的回答", "answer to a member withdrawn"),
    "consortium.answer_withdrawn": ("同业成员撤回其回答", "a member withdrew its answer"),
    "consortium.message_out": ("向同业成员发出签名消息", "signed message sent to a member"),
    "consortium.message_in": ("收到同业成员的签名消息", "signed message received from a member"),
}

#: Areas (the part before the dot), for an action without its own words.
AREAS: dict[str, tuple[str, str]] = {
    "user": ("用户", "users"),
    "api_token": ("API 令牌", "API tokens"),
    "otp": ("验证码", "one-time codes"),
    "keys": ("密钥", "keys"),
    "party": ("当事人", "parties"),
    "case": ("案件", "cases"),
    "hotline": ("热线", "hotline"),
    "ledger": ("台账", "ledgers"),
    "invoice": ("发票", "invoices"),
    "limitation": ("诉讼时效", "limitation"),
    "limitation_event": ("诉讼时效", "limitation"),
    "evidence": ("证据", "evidence"),
    "feasibility_report": ("可行性报告", "feasibility reports"),
    "fee_schedule": ("收费标准", "fee schedules"),
    "agreement": ("委托协议", "fee agreements"),
    "playbook": ("策略剧本", "playbooks"),
    "followup_schedule": ("跟进计划", "follow-up schedules"),
    "strategy": ("催收策略", "strategy"),
    "contact": ("联系", "contact"),
    "promise": ("还款承诺", "promises"),
    "plan": ("还款方案", "plans"),
    "settlement": ("和解", "settlements"),
    "payment": ("回款", "payments"),
    "charge": ("费用与利息", "charges"),
    "remittance": ("划付", "remittances"),
    "scoring": ("评分", "scoring"),
    "proceeding": ("诉讼程序", "proceedings"),
    "hearing": ("开庭", "hearings"),
    "court_deadline": ("法定期限", "court deadlines"),
    "asset_clue": ("财产线索", "asset leads"),
    "document": ("诉讼文书", "court documents"),
    "calendar_feed": ("日历订阅", "calendar feeds"),
    "netting": ("供应链清欠", "netting"),
    "portal": ("债务人自助页面", "debtor portal"),
    "audit": ("审计", "audit"),
    "regulatory": ("监管资质", "regulatory records"),
    "incident": ("合规事件", "incidents"),
    "account": ("账户", "accounts"),
    "twofactor": ("两步验证", "two-factor sign-in"),
    "retention": ("保存期限", "retention"),
    "contact_point": ("债权人联系方式", "creditor contact points"),
    "case_message": ("案件留言", "case messages"),
    "outbox": ("演示发件箱", "demo outbox"),
    "kpis": ("经营指标", "KPIs"),
    "mediation": ("调解", "mediation"),
    "voucher": ("债权凭证", "debt vouchers"),  # h23v
    "consortium": ("同业共享", "consortium"),  # h23f
}

_OTHER = ("其他操作", "other operation")
_UNKNOWN_AREA = ("系统", "system")

#: Actions that show who saw whose identifiers / who contacted whom (the page's quick filters).
REVEAL_ACTIONS = ("party.reveal", "party.reveal_id_number", "party.reveal_phone",
                  "asset_clue.reveal", "party.subject_export")  # fmt: skip
CONTACT_ACTIONS = ("contact.deliver", "contact.outcome", "contact.transactional",
                   "portal.link_send", "otp.issue")  # fmt: skip


def action_words(action: str, *, en: bool = False) -> str:
    """The action in words; an unknown one as its area's name and "other operation"."""
    known = ACTIONS.get(action)
    if known is not None:
        return known[1 if en else 0]
    area = AREAS.get(action.split(".", 1)[0], _UNKNOWN_AREA)
    if en:
        return f"{area[1]}: {_OTHER[1]}"
    return f"{area[0]}：{_OTHER[0]}"
