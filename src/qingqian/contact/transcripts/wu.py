"""Suzhou / Shanghai Wu as people type it: a lexical bridge to Mandarin and Wu keyword rules
(pure, no Django).

The learned model and the Mandarin rules were built mostly on Mandarin, so a Wu utterance is
read twice: as typed (the Wu rules below, the model's character n-grams) and through
:func:`to_mandarin`, which replaces Wu function words and common Wu vocabulary by their
Mandarin equivalents (侬→你, 勿→不, 覅→不要, 号头→月, 铜钿→钱, 今朝→今天 …). The table only
holds words whose Wu sense is the usual one in typed Wu and which do not occur in ordinary
Mandarin in another sense (寻 is not mapped: 寻死 must stay 寻死; 拨 only before a pronoun, so
拨打电话 is untouched). Sources and limits: ``docs/contact-transcripts.md``.
"""

from __future__ import annotations

import re

from qingqian.contact.transcripts.rules import RuleHit

__all__ = ["WU_MARKERS", "is_wu", "match_wu_rules", "to_mandarin"]

#: Wu → Mandarin, applied longest first.
LEXICON: dict[str, str] = {
    "啥辰光": "什么时候",
    "辰光": "时候",
    "啥人": "谁",
    "哪能": "怎么",
    "为啥": "为什么",
    "做啥": "干什么",
    "作啥": "干什么",
    "啥": "什么",
    "阿拉": "我们",
    "伊拉": "他们",
    "侬": "你",
    "倷": "你",
    "伊": "他",
    "覅": "不要",
    "嫑": "不要",
    "勿": "不",
    "弗": "不",
    "呒没": "没有",
    "嘸没": "没有",
    "呒": "没",
    "今朝": "今天",
    "明朝": "明天",
    "后日": "后天",
    "昨日": "昨天",
    "下号头": "下个月",
    "号头": "月",
    "铜钿": "钱",
    "洋钿": "钱",
    "钞票": "钱",
    "搿个": "这个",
    "该个": "这个",
    "搿": "这",
    "晓得": "知道",
    "拨侬": "给你",
    "拨我": "给我",
    "拨伊": "给他",
    "搭侬": "跟你",
    "搭我": "跟我",
    "屋里厢": "家里",
    "屋里": "家里",
    "做生活": "干活",
    "物事": "东西",
    "交关": "非常",
    "困觉": "睡觉",
    "死脱": "死掉",
    "走脱": "走了",
    "关脱": "关了",
    "还脱": "还了",
    "一眼眼": "一点点",
    "等歇": "等会儿",
    "晏歇": "晚点",
    "勒海": "在",
    "勒拉": "在",
    "实梗": "这样",
    "介多": "这么多",
    "推扳": "差",
    "货色": "货",
    "讲闲话": "说话",
    "好勒": "好了",
    "烦煞": "烦死",
    "吵煞": "吵死",
    "气煞": "气死",
    "急煞": "急死",
    "生毛病": "生病",
    "开年": "明年",
    "清爽": "清楚",
}
_LEX = re.compile("|".join(sorted(map(re.escape, LEXICON), key=len, reverse=True)))
_FINAL_FA = re.compile(r"伐(?=[？?。！!，,\s]|$)")

#: Words that mark typed Wu (any one is enough).
WU_MARKERS = (
    "侬", "阿拉", "伊拉", "勿", "覅", "呒没", "啥辰光", "今朝", "明朝", "号头", "铜钿",
    "搿", "晓得", "屋里厢", "哪能", "拨侬", "做生活", "交关", "煞", "辰光", "伐",
    "勒海", "推扳", "货色", "死脱", "走脱",
)  # fmt: skip


def is_wu(text: str) -> bool:
    return any(m in text for m in WU_MARKERS)


def to_mandarin(text: str) -> str:
    """The utterance with Wu words replaced by their Mandarin equivalents."""
    out = _LEX.sub(lambda m: LEXICON[m.group(0)], text)
    return _FINAL_FA.sub("吗", out)


def _alt(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(words))


_KIN_WU = "(?:爷叔|阿爹|姆妈|娘|老头子|老太婆|阿婆|好婆|老公|老婆|儿子|囡囡|女儿|爹爹|阿爸)"

#: Rules on the utterance as typed, for Wu forms the Mandarin rules cannot see even after
#: :func:`to_mandarin`. Same labels and codes as :mod:`.rules`, suffixed ``.wu``.
WU_RULES: list[tuple[str, str, re.Pattern[str]]] = [
    (
        "distress",
        "distress.self_harm.wu",
        _alt(
            "寻死",
            "死脱算",
            "死脱拉倒",
            "勿想活",
            "覅活",
            "活勿落去",
            "活勿下去",
            "跳黄浦江",
            "跳河",
            "跳楼",
            "跳下去",
            "药吃下去",
            "一把药",
            "吊煞",
            "一死了之",
            "覅做人",
            "活了没意思",
            "活着呒没意思",
            "命也勿要",
        ),
    ),
    (
        "distress",
        "distress.illness_or_loss.wu",
        _alt(
            "生癌",
            "开刀",
            "住医院",
            "医院里",
            "病倒",
            "瘫脱",
            "中风",
            "透析",
            _KIN_WU + "[^，。！？,.!?]{0,4}(?:走脱|过世|呒没了|没了|死脱)",
            "办丧事",
            "做七",
        ),
    ),
    (
        "distress",
        "distress.hardship.wu",
        _alt(
            "揭勿开锅",
            "呒没饭吃",
            "饭也吃勿起",
            "一分铜钿也呒没",
            "一分也呒没",
            "生活没了",
            "生活也没了",
            "厂关脱",
            "厂里关门",
            "厂倒闭",
            "失业",
            "下岗",
            "屋里厢啥也呒没",
            "日脚过勿下去",
            "日子过勿下去",
            "撑勿牢",
            "撑勿下去",
            "天天哭",
            "困勿着",
        ),
    ),
    (
        "anger",
        "anger.threat_or_abuse.wu",
        _alt(
            "勿客气",
            "当心点",
            "试试看",
            "弄煞侬",
            "弄死侬",
            "寻侬麻烦",
            "册那",
            "赤佬",
            "瘪三",
            "十三点",
            "脑子瓦特",
            "拎勿清",
            "神经病",
            "烦煞",
            "吵煞",
            "气煞",
            "覅再打",
            "勿要再打",
            "再打电话来",
            "再打来",
            "告侬",
            "报警",
            "投诉",
            "触气",
            "滚",
            "吃饱了没事体",
            "啥态度",
        ),
    ),
    (
        "dispute",
        "dispute.wu",
        _alt(
            "货色有问题",
            "货色推扳",
            "质量推扳",
            "货勿对",
            "勿是我借",
            "勿是我签",
            "老早还脱",
            "早就还脱",
            "还清爽",
            "还脱了",
            "账勿对",
            "算错脱",
            "搞错脱",
            "呒没收到",
            "勿认账",
            "勿承认",
            "搭我呒没关系",
            "勿关我事",
            "货退脱",
            "勿合格",
            "对勿上",
        ),
    ),
]


def match_wu_rules(text: str) -> list[RuleHit]:
    hits: list[RuleHit] = []
    for label, code, pattern in WU_RULES:
        m = pattern.search(text)
        if m:
            hits.append(RuleHit(label=label, rule=code, match=m.group(0)))
    return hits
