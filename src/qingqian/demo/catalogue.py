"""Names, places and people of the demo portfolio (pure data). Every firm and person is
fictitious; street names are real Suzhou streets with made-up numbers."""

from __future__ import annotations

from dataclasses import dataclass

from qingqian.accounts.roles import Role

ORG_CODE = "szqq"
ORG_NAME = "苏州清欠商事调解服务中心"
ORG_CITY = "苏州市"
CITY = "苏州市"
PASSWORD = "qingqian-demo"  # noqa: S105 (the documented, published demo password)
CERT_ISSUER = "苏州市商事调解协会（演示）"


@dataclass(frozen=True)
class StaffLogin:
    username: str
    role: Role
    last_name: str  # family name
    first_name: str
    cert: str = ""  # "valid", "expired" or "" (no certificate: not a collector)


STAFF: tuple[StaffLogin, ...] = (
    StaffLogin("admin", Role.ADMIN, "沈", "嘉言"),
    StaffLogin("intake", Role.INTAKE_AGENT, "王", "晓敏"),
    StaffLogin("collector", Role.COLLECTOR, "陈", "建国", cert="valid"),
    StaffLogin("collector2", Role.COLLECTOR, "周", "丽华", cert="valid"),
    StaffLogin("collector3", Role.COLLECTOR, "吴", "志强", cert="expired"),
    StaffLogin("lawyer", Role.LAWYER, "顾", "文涛"),
    StaffLogin("mediator", Role.MEDIATOR, "陆", "佩芬"),
    StaffLogin("compliance", Role.COMPLIANCE, "钱", "思远"),
)


@dataclass(frozen=True)
class ClientCompany:
    key: str  # also the creditor login: ``creditor-<key>``
    name: str
    district: str
    street: str
    contact: tuple[str, str]  # the creditor user's family and given name
    debtor_kinds: tuple[str, ...]  # what the firm's customers are called
    goods: str


CLIENT_COMPANIES: tuple[ClientCompany, ...] = (
    ClientCompany(
        "ems",
        "苏州晟澜精密电子制造有限公司",
        "苏州工业园区",
        "星湖街 328 号",
        ("许", "静怡"),
        ("智能科技", "通讯设备", "光电科技", "电子科技", "医疗器械"),
        "PCBA 贴片加工及整机组装",
    ),
    ClientCompany(
        "auto",
        "苏州相城驰衡汽车零部件有限公司",
        "相城区",
        "澄阳路 1168 号",
        ("蒋", "伟"),
        ("汽车零部件", "汽车科技", "新能源科技", "动力系统", "车身部件"),
        "冲压件及线束总成",
    ),
    ClientCompany(
        "tour",
        "苏州平江枕河文旅发展有限公司",
        "姑苏区",
        "平江路 96 号",
        ("潘", "雨婷"),
        ("国际旅行社", "会务服务", "文化传媒", "商务咨询", "教育科技"),
        "酒店住宿、会议及团队游服务",
    ),
)


@dataclass(frozen=True)
class ClientPerson:
    name: str
    female: bool
    district: str
    lends: bool  # True: private lender; False: individual building contractor (包工头)


CLIENT_PERSONS: tuple[ClientPerson, ...] = (
    ClientPerson("钱永康", False, "吴中区", lends=True),
    ClientPerson("孙美玲", True, "姑苏区", lends=True),
    ClientPerson("葛国华", False, "昆山市", lends=True),
    ClientPerson("俞素琴", True, "吴江区", lends=True),
    ClientPerson("邵金根", False, "相城区", lends=False),
    ClientPerson("韩长林", False, "张家港市", lends=False),
)

PLACE_PREFIX = ("苏州", "昆山", "吴江", "常熟", "张家港", "太仓", "相城", "吴中", "姑苏")
NAME_CORE = (
    "恒嘉", "瑞丰", "宏拓", "博远", "金鼎", "华宇", "永晟", "天祥", "新亚", "嘉禾", "鼎峰",
    "协和", "明辉", "中联", "润泽", "锦程", "东吴", "沧浪", "枫桥", "天平", "灵岩", "石湖",
    "澄湖", "阳澄", "太湖", "胥江", "盘门", "虎丘", "寒山", "独墅", "斜塘", "娄江", "尚湖",
    "沙溪", "梅李", "同里", "黎里", "木渎", "甪直", "光福", "望亭", "渭塘", "北桥", "黄埭",
)  # fmt: skip
GENERAL_KINDS = ("机械制造", "智能装备", "电气设备", "自动化设备", "新材料", "精密模具")
BUILDER_KINDS = ("建设工程", "建筑工程", "装饰工程", "市政工程", "置业", "房地产开发")
OTHER_KINDS = ("物业管理", "餐饮管理", "商贸", "物流", "包装材料", "纺织")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余沈顾陆钱"
)
GIVEN_MALE = (
    "伟", "强", "磊", "洋", "勇", "军", "杰", "涛", "明", "超", "建华", "志强", "晓东",
    "国庆", "海峰", "文斌", "俊杰", "永刚", "振华", "志明", "宏伟", "建平", "德明", "卫东",
)  # fmt: skip
GIVEN_FEMALE = (
    "芳", "娜", "敏", "静", "艳", "秀英", "海燕", "玉兰", "丽娟", "春梅", "桂芳", "雪梅",
    "晓燕", "红霞", "美华", "佳怡", "婷婷", "慧敏", "琳", "雅琴", "素珍", "凤英", "丹", "倩",
)  # fmt: skip

STREETS: dict[str, tuple[str, ...]] = {
    "姑苏区": ("人民路", "干将西路", "十全街", "东中市", "三香路", "劳动路"),
    "虎丘区": ("狮山路", "长江路", "珠江路", "竹园路", "金山路"),
    "吴中区": ("东吴北路", "宝带西路", "越溪街道吴中大道", "木渎镇金山路", "横泾天鹅荡路"),
    "相城区": ("人民路", "阳澄湖西路", "澄阳路", "相城大道", "太平街道金澄路"),
    "吴江区": ("中山南路", "鲈乡北路", "仲英大道", "盛泽镇市场路", "松陵镇开平路"),
    "苏州工业园区": ("星湖街", "现代大道", "苏虹中路", "金鸡湖大道", "唯亭镇葑亭大道"),
    "常熟市": ("海虞北路", "黄河路", "东南大道", "虞山镇新世纪大道"),
    "张家港市": ("沙洲西路", "长安南路", "国泰北路", "杨舍镇暨阳西路"),
    "昆山市": ("前进西路", "马鞍山东路", "黄浦江南路", "花桥镇绿地大道"),
    "太仓市": ("上海东路", "郑和中路", "县府东街", "城厢镇朝阳路"),
}
