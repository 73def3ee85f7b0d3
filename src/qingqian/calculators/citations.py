"""The legal sources the calculators cite (grades as in legal-rules.md §0)."""

from __future__ import annotations

from qingqian.calculators.result import Rule

_FEES = ("《诉讼费用交纳办法》", "Measures on the Payment of Litigation Costs (Decree No. 481)")
_CPL = ("《民事诉讼法》（2023修正）", "Civil Procedure Law (2023 revision)")
_CPL_INTERP = (
    "《最高人民法院关于适用〈民事诉讼法〉的解释》（2022修正）",
    "SPC CPL Interpretation (2022)",
)
_CIVIL = ("《民法典》", "Civil Code")
_LIMIT = (
    "《最高人民法院关于审理民事案件适用诉讼时效制度若干问题的规定》",
    "SPC Limitation Rules (2020)",
)
_EXEC = (
    "《最高人民法院关于适用〈民事诉讼法〉执行程序若干问题的解释》",
    "SPC Enforcement Interpretation",
)
_LENDING = (
    "《最高人民法院关于审理民间借贷案件适用法律若干问题的规定》",
    "SPC Private Lending Rules (2020)",
)
_SALES = (
    "《最高人民法院关于审理买卖合同纠纷案件适用法律问题的解释》",
    "SPC Sales Contract Interpretation",
)
_DELAY = (
    "《最高人民法院关于执行程序中计算迟延履行期间的债务利息适用法律若干问题的解释》",
    "SPC Delay Interest Interpretation (2014)",
)
_LAWYER = (
    "《关于进一步规范律师服务收费的意见》（司发通〔2021〕87号）",
    "Opinion on Regulating Lawyer Fees (2021)",
)
_LAWYER_2006 = ("《律师服务收费管理办法》（2006）", "Measures on Lawyer Service Fees (2006)")
_HOLIDAYS = ("《全国年节及纪念日放假办法》", "Regulations on Public Holidays")

FEE_PROPERTY = Rule(*_FEES, "第十三条第（一）项 / Art. 13(1)")
FEE_PAYMENT_ORDER = Rule(*_FEES, "第十四条第（三）项 / Art. 14(3)")
FEE_PRESERVATION = Rule(*_FEES, "第十四条第（二）项 / Art. 14(2)")
FEE_ENFORCEMENT = Rule(*_FEES, "第十四条第（一）项 / Art. 14(1)")
FEE_ENFORCEMENT_PAID_AFTER = Rule(*_FEES, "第二十条、第三十八条 / Arts. 20, 38")
FEE_NO_FEE = Rule(*_FEES, "第八条 / Art. 8")
FEE_MEDIATION_WITHDRAWAL = Rule(*_FEES, "第十五条 / Art. 15")
FEE_SIMPLIFIED = Rule(*_FEES, "第十六条 / Art. 16")
FEE_COUNTERCLAIM = Rule(*_FEES, "第十八条 / Art. 18")
FEE_ONE_HALVING = Rule(*_CPL_INTERP, "第二百零六条 / Art. 206")
FEE_CONVERSION = Rule(*_CPL_INTERP, "第一百九十五条 / Art. 195", grade="A/C")
FEE_SMALL_CLAIMS_HALF = Rule(*_CPL_INTERP, "第二百七十四条 / Art. 274", grade="A/C")

CC_188 = Rule(*_CIVIL, "第一百八十八条 / Art. 188")
CC_189 = Rule(*_CIVIL, "第一百八十九条 / Art. 189")
CC_192 = Rule(*_CIVIL, "第一百九十二条 / Art. 192")
CC_194 = Rule(*_CIVIL, "第一百九十四条 / Art. 194")
CC_195 = Rule(*_CIVIL, "第一百九十五条 / Art. 195")
CC_201_203 = Rule(*_CIVIL, "第二百零一条至第二百零三条 / Arts. 201-203")
LIMIT_DEMAND = Rule(*_LIMIT, "第八条、第九条 / Arts. 8-9")
LIMIT_SUIT_LIKE = Rule(*_LIMIT, "第十一条 / Art. 11")
LIMIT_MEDIATION = Rule(*_LIMIT, "第十二条、第十三条 / Arts. 12-13")
LIMIT_AGREEMENT = Rule(*_LIMIT, "第十四条 / Art. 14")
LIMIT_ASSIGNMENT = Rule(*_LIMIT, "第十七条 / Art. 17")
LIMIT_WAIVER = Rule(*_LIMIT, "第十九条 / Art. 19")
CPL_ENFORCEMENT_WINDOW = Rule(*_CPL, "第二百五十条 / Art. 250")
EXEC_INTERRUPTION = Rule(*_EXEC, "第十九条、第二十条 / Arts. 19-20")
CPL_PERIODS = Rule(*_CPL, "第八十五条 / Art. 85", grade="B")
HOLIDAY_RULES = Rule(*_HOLIDAYS, "第二条 / Art. 2", grade="D")

LENDING_CAP = Rule(*_LENDING, "第二十五条 / Art. 25")
LENDING_ADVANCE = Rule(*_LENDING, "第二十六条 / Art. 26")
LENDING_COMBINED = Rule(*_LENDING, "第二十九条 / Art. 29")
LENDING_TRANSITION = Rule(*_LENDING, "第三十一条第二款 / Art. 31 para 2", grade="A/B")
CC_670 = Rule(*_CIVIL, "第六百七十条 / Art. 670")
CC_679 = Rule(*_CIVIL, "第六百七十九条 / Art. 679")
SALES_LATE_PAYMENT = Rule(*_SALES, "第十八条第四款 / Art. 18 para 4")
CPL_DELAY_INTEREST = Rule(*_CPL, "第二百六十四条 / Art. 264")
DELAY_INTEREST = Rule(*_DELAY, "第一条至第四条 / Arts. 1-4")

CC_560 = Rule(*_CIVIL, "第五百六十条 / Art. 560")
CC_561 = Rule(*_CIVIL, "第五百六十一条 / Art. 561")

LAWYER_CAP = Rule(*_LAWYER, "第（六）项 / item (6)", grade="B")
LAWYER_FORBIDDEN = Rule(*_LAWYER_2006, "第十一条、第十二条 / Arts. 11-12", grade="B")
LAWYER_FORBIDDEN_2021 = Rule(*_LAWYER, "第（五）项 / item (5)", grade="B")
LAWYER_OLD_CAP = Rule(*_LAWYER_2006, "第十三条 / Art. 13", grade="B")

CPL_SMALL_CLAIMS = Rule(*_CPL, "第一百六十五条 / Art. 165")
CPL_SMALL_CLAIMS_EXCLUDED = Rule(*_CPL, "第一百六十六条 / Art. 166")
CPL_INTERP_WAGE_YEAR = Rule(*_CPL_INTERP, "第二百七十二条 / Art. 272")
CPL_PAYMENT_ORDER = Rule(*_CPL, "第二百二十五条至第二百二十八条 / Arts. 225-228")
CPL_INTERP_PO_ACCEPT = Rule(*_CPL_INTERP, "第四百二十七条、第四百二十八条 / Arts. 427-428")
CPL_INTERP_PO_SERVE = Rule(*_CPL_INTERP, "第四百三十条 / Art. 430")
CPL_INTERP_PO_OBJECTION = Rule(*_CPL_INTERP, "第四百三十六条 / Art. 436")
CPL_INTERP_PO_CONVERT = Rule(*_CPL_INTERP, "第四百三十八条、第四百三十九条 / Arts. 438-439")
