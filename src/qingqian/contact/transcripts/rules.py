"""Keyword rules: the tripwire beside the learned model.

Written from the categories the issue names (self-harm talk, serious illness, bereavement, job
loss, hardship; anger; dispute), in Mandarin and Wu phrasing, not fitted to the labelled set.
A distress rule hit alone stops automated contact: the model may miss, the rule may over-fire,
and a person reviews every hit either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["RuleHit", "match_rules"]


@dataclass(frozen=True)
class RuleHit:
    label: str  # distress | anger | dispute
    rule: str  # the rule's code, e.g. "distress.self_harm"
    match: str  # the text that matched

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "rule": self.rule, "match": self.match}


def _alt(*words: str) -> str:
    return "|".join(words)


_KIN = "(?:爸|妈|父亲|母亲|老公|老婆|丈夫|妻子|儿子|女儿|孩子|老人|姆妈|爷爷|奶奶)"

RULES: list[tuple[str, str, re.Pattern[str]]] = [
    (
        "distress",
        "distress.self_harm",
        re.compile(
            _alt(
                "自杀",
                "轻生",
                "寻死",
                "不想活",
                "活不下去",
                "活着没意思",
                "活着太累",
                "死了算了",
                "一死",
                "去死",
                "死给你",
                "逼死",
                "用死",
                "想死",
                "跳楼",
                "跳下去",
                "跳河",
                "跳江",
                "跳桥",
                "站在桥上",
                "楼顶",
                "安眠药",
                "农药",
                "割.{0,2}腕",
                "上吊",
                "遗书",
                "一了百了",
                "结束这一切",
                "结束生命",
                "了结自己",
                "不想活",
                "我死了",
                "活够了",
            )
        ),
    ),
    (
        "distress",
        "distress.illness",
        re.compile(
            _alt(
                "癌",
                "化疗",
                "放疗",
                "手术",
                "开刀",
                "住院",
                "医院",
                "ICU",
                "icu",
                "重症",
                "重病",
                "绝症",
                "病危",
                "白血病",
                "尿毒症",
                "透析",
                "脑溢血",
                "脑梗",
                "中风",
                "瘫痪",
                "晚期",
                "抑郁",
                "心脏病",
                "生毛病",
                "生病",
                "确诊",
                "骨髓",
                "流产",
                "精神病",
                "残疾",
            )
        ),
    ),
    (
        "distress",
        "distress.bereavement",
        re.compile(
            _alt(
                "去世",
                "过世",
                "离世",
                "病故",
                "丧事",
                "后事",
                "葬礼",
                "追悼",
                "出车祸没了",
                _KIN + "[^，。！？,.!?]{0,4}(?:走了|刚走|没了|死了)",
            )
        ),
    ),
    (
        "distress",
        "distress.job_loss",
        re.compile(
            _alt(
                "失业",
                "裁员",
                "被裁",
                "下岗",
                "倒闭",
                "开除",
                "辞退",
                "工作没了",
                "没了工作",
                "丢了工作",
                "找不到工作",
                "没收入",
                "没有收入",
                "断供",
                "工资都没拿到",
                "厂子关门",
                "工厂关门",
                "破产",
            )
        ),
    ),
    (
        "distress",
        "distress.hardship",
        re.compile(
            _alt(
                "吃不上饭",
                "吃不饱",
                "揭不开锅",
                "一分钱都没有",
                "一分钱也没有",
                "交不起",
                "低保",
                "走投无路",
                "绝路",
                "撑不下去",
                "崩溃",
                "睡不着",
                "桥洞",
                "流落街头",
                "赶出去",
                "只吃一顿",
                "垮了",
                "天天哭",
                "穷得",
                "活不起",
                "只剩几十块",
                "看不起病",
            )
        ),
    ),
    (
        "anger",
        "anger.abuse",
        re.compile(
            _alt(
                "滚",
                "神经病",
                "有病",
                "他妈",
                "妈的",
                "老子",
                "闭嘴",
                "骗子",
                "无赖",
                "吸血鬼",
                "混蛋",
                "王八",
                "废话",
                "脑子有毛病",
                "算什么东西",
                "破公司",
                "什么玩意",
            )
        ),
    ),
    (
        "anger",
        "anger.threat_or_complaint",
        re.compile(
            _alt(
                "报警",
                "投诉",
                "曝光",
                "媒体",
                "告你们",
                "起诉你们",
                "不客气",
                "没完",
                "试试看",
                "你试试",
                "暴力催收",
                "骚扰",
                "违法",
                "12378",
                "领导来",
                "什么态度",
                "威胁",
            )
        ),
    ),
    (
        "anger",
        "anger.exasperation",
        re.compile(
            _alt(
                "烦死",
                "烦不烦",
                "烦煞",
                "烦是烦",
                "有完没完",
                "气死",
                "气疯",
                "火大",
                "吵死",
                "生气",
                "忍你们",
                "别再给我打",
                "别给我打",
                "不要再打",
                "覅再打",
                "别再打",
                "别烦我",
                "来烦我",
            )
        ),
    ),
    (
        "dispute",
        "dispute.paid",
        re.compile(
            _alt(
                "早就还",
                "老早就还",
                "老早还",
                "已经还清",
                "还清了",
                "还完了",
                "已经还了",
                "已经转账",
                "付过了",
                "结清了",
                "结掉了",
                "早就付",
                "已经打过去",
                "就打过去了",
                "冲账",
                "抵掉了",
                "没入账",
                "流水可以证明",
                "付款凭证",
                "转账记录",
            )
        ),
    ),
    (
        "dispute",
        "dispute.not_mine_or_wrong",
        re.compile(
            _alt(
                "没借过",
                "不是我签",
                "不是我借",
                "不是我办",
                "不是我的",
                "不是我开",
                "找错人",
                "不认这",
                "不承认",
                "不认可",
                "搞错",
                "算错",
                "对不上",
                "有出入",
                "重复扣款",
                "重复的",
                "冒用",
                "诉讼时效",
                "假的",
                "不算数",
                "违约在先",
                "超过法定",
                "有争议",
                "没收到",
                "质量问题",
                "不合格",
                "完全不知道",
                "跟我没关系",
                "跟你们没关系",
                "不是欠款",
                "担保期",
                "从来没",
                "已经注销",
                "结案",
            )
        ),
    ),
]


def match_rules(text: str) -> list[RuleHit]:
    """Every rule that matches ``text`` (one hit per rule, the first match)."""
    hits: list[RuleHit] = []
    for label, code, pattern in RULES:
        m = pattern.search(text)
        if m:
            hits.append(RuleHit(label=label, rule=code, match=m.group(0)))
    return hits
