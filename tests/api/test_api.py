import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qingqian.accounts.models import ApiToken
from qingqian.accounts.services import api_token_create
from qingqian.cases.models import Case
from qingqian.cases.services import case_open
from qingqian.parties.services import party_create
from tests.support import make_ric, make_uscc, wrong_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(users: Any) -> Client:
    token = api_token_create(user=users["lawyer"])
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_openapi_is_served() -> None:
    spec = Client().get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Qingqian API"
    assert "/api/v1/cases" in spec["paths"]
    assert "bearer" in json.dumps(spec["components"]["securitySchemes"]).lower()


def test_bad_token_is_401_in_the_error_format() -> None:
    resp = Client().get("/api/v1/cases", headers={"Authorization": "Bearer qq_nope"})
    assert resp.status_code == 401
    assert set(resp.json()) == {"code", "message", "details"}


def test_revoked_token_is_refused(users: Any) -> None:
    from qingqian.accounts.models import ApiToken

    token = api_token_create(user=users["lawyer"])
    ApiToken.objects.update(revoked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert (
        Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_token_is_stored_hashed(users: Any) -> None:
    from qingqian.accounts.models import ApiToken

    token = api_token_create(user=users["lawyer"])
    assert not ApiToken.objects.filter(digest=token).exists()
    assert ApiToken.objects.get().digest == ApiToken.digest_of(token)


def test_list_shape_and_pagination(api: Client, case: Any) -> None:
    data = api.get("/api/v1/cases?per_page=1").json()
    assert data["count"] == 1 and data["page"] == 1 and data["per_page"] == 1
    [item] = data["items"]
    assert item["id"] == case.pk and item["principal"] == "20000.50"
    assert [d["id"] for d in item["debtors"]] == [case.case_parties.get().party_id]
    assert item["aging_bucket"] is not None
    assert api.get("/api/v1/cases?per_page=1000").json()["code"] == "invalid_page_size"


def test_create_case_with_new_parties_and_invoices(api: Client, creditor: Any) -> None:
    body = {
        "creditor_id": creditor.pk,
        "debt_type": "trade",
        "debtors": [
            {
                "kind": "company",
                "name": "张家港钢构有限公司",
                "credit_code": make_uscc(900),
                "city": "苏州市",
                "district": "张家港市",
            }
        ],
        "guarantors": [
            {"kind": "person", "name": "钱五", "id_number": make_ric(44), "phone": "13600001234"}
        ],
        "invoices": [
            {
                "number": "ZJG-1",
                "amount": "30000.00",
                "issue_date": "2025-01-01",
                "due_date": "2025-03-01",
            },
            {"number": "ZJG-2", "amount": 20000, "due_date": "2025-04-01"},
        ],
    }
    resp = api.post("/api/v1/cases", body, content_type="application/json")
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["principal"] == "50000.00" and data["channel"] == "api"
    assert [g["name"] for g in data["guarantors"]] == ["钱五"]
    assert data["guarantors"][0]["identifier_masked"] == make_ric(44)[:6] + "*" * 12
    assert make_ric(44) not in resp.content.decode()
    assert [i["number"] for i in data["invoices"]] == ["ZJG-1", "ZJG-2"]
    assert data["timeline"][0]["kind"] == "opened"


@pytest.mark.parametrize(
    ("patch", "status", "code"),
    [
        ({"principal": "-1"}, 422, "amount_not_positive"),
        ({"principal": "0"}, 422, "amount_not_positive"),
        ({"principal": "12.345"}, 422, "amount_too_precise"),
        ({"principal": "abc"}, 422, "amount_invalid"),
        ({"principal": 12.5}, 422, "amount_float"),
        ({"debt_type": "gambling"}, 422, "invalid_debt_type"),
        (
            {
                "debtors": [
                    {"kind": "company", "name": "X", "credit_code": wrong_check(make_uscc(5))}
                ]
            },
            422,
            "invalid_credit_code",
        ),
        (
            {"debtors": [{"kind": "person", "name": "Y", "id_number": wrong_check(make_ric(5))}]},
            422,
            "invalid_id_number",
        ),
        ({"contract_date": "2025-05-01", "due_date": "2025-04-01"}, 422, "due_before_contract"),
        ({"debtors": []}, 422, "validation_error"),
        ({"creditor_id": 999999}, 404, "creditor_not_found"),
        ({"debtors": [{"id": 999999}]}, 404, "party_not_found"),
    ],
)
def test_bad_input_is_4xx_with_code_and_nothing_written(
    api: Client, creditor: Any, debtor: Any, patch: dict[str, Any], status: int, code: str
) -> None:
    from qingqian.parties.models import Party

    body = {
        "creditor_id": creditor.pk,
        "debtors": [{"id": debtor.pk}],
        "debt_type": "trade",
        "principal": "1000",
    } | patch
    parties_before = Party.objects.count()
    resp = api.post("/api/v1/cases", body, content_type="application/json")
    assert resp.status_code == status, resp.content
    err = resp.json()
    assert err["code"] == code
    assert " / " in err["message"]
    assert Case.objects.count() == 0
    assert Party.objects.count() == parties_before


def test_transition_and_illegal_transition(api: Client, case: Any) -> None:
    ok = api.post(
        f"/api/v1/cases/{case.pk}/transition",
        {"to_state": "evidence_review"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["state"] == "evidence_review"
    bad = api.post(
        f"/api/v1/cases/{case.pk}/transition",
        {"to_state": "enforcement"},
        content_type="application/json",
    )
    assert bad.status_code == 409 and bad.json()["code"] == "illegal_transition"


def test_aging_endpoint(api: Client, case: Any) -> None:
    data = api.get("/api/v1/aging?as_of=2025-03-12").json()
    # INV-001 due 2025-02-10 → 30 days; INV-002 due 2025-04-01 → not yet due (0–30 bucket).
    assert data["totals"]["0_30"] == {"amount": "20000.50", "count": 2}
    data = api.get("/api/v1/aging?as_of=2025-08-20&group_by=debtor").json()
    assert data["totals"]["181_365"] == {"amount": "12000.50", "count": 1}
    assert data["totals"]["91_180"] == {"amount": "8000.00", "count": 1}
    assert data["groups"][0]["name"] == "姑苏文旅酒店管理有限公司"


def test_import_endpoint_reports_bad_rows(users: Any, creditor: Any) -> None:
    api = Client(
        headers={"Authorization": f"Bearer {api_token_create(user=users['intake_agent'])}"}
    )
    f = io.BytesIO(
        f"客户名称,统一社会信用代码,发票号,金额,到期日\n甲有限公司,{make_uscc(3)},"
        "A-1,100,2025-01-01\n乙有限公司,,A-2,-3,2025-01-01\n".encode()
    )
    f.name = "l.csv"
    resp = api.post("/api/v1/imports", {"creditor_id": creditor.pk, "file": f})
    assert resp.status_code == 422
    err = resp.json()
    assert err["code"] == "ledger_rows_invalid"
    assert [(e["line"], e["code"]) for e in err["details"]["errors"]] == [
        (3, "amount_not_positive")
    ]
    assert Case.objects.count() == 0


def test_list_query_count_is_constant(api: Client, org: Any, users: Any, creditor: Any) -> None:
    def add(n: int) -> None:
        _open_cases(
            org, users, creditor, n, name="债务人{}", codes=2000, handler=users["collector"]
        )

    def count_queries(url: str, client: Client) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    web = Client()
    web.force_login(users["lawyer"])
    web.get("/")  # a session's first page asks once whether two-factor is enrolled
    api.get("/api/v1/me")  # a token's first use in a minute records it (one UPDATE)
    add(2)
    small = (count_queries("/api/v1/cases", api), count_queries("/cases/", web))
    add(20)
    large = (count_queries("/api/v1/cases", api), count_queries("/cases/", web))
    assert small == large


def test_the_staff_list_shows_every_cell_from_its_few_columns(
    org: Any, users: Any, creditor: Any
) -> None:
    """The list loads only the columns it shows (``LIST_COLUMNS``): every cell is still
    there, and no deferred column is fetched row by row."""
    from qingqian.parties.models import Party

    _open_cases(org, users, creditor, 3, name="列表{}有限公司", handler=users["collector"])
    web = Client()
    web.force_login(users["lawyer"])
    web.get("/")
    with CaptureQueriesContext(connection) as ctx:
        page = web.get("/cases/").content.decode()
    sql = [q["sql"] for q in ctx.captured_queries]
    party_reads = [s for s in sql if 'FROM "cases_caseparty"' in s]
    assert party_reads and not [s for s in party_reads if "_enc" in s], party_reads
    rows = [s for s in sql if s.startswith('SELECT "cases_case"."id"') and "accounts_user" in s]
    assert rows and not [s for s in rows if "password" in s], rows
    for i in range(3):
        debtor = Party.objects.get(name=f"列表{i}有限公司")
        assert debtor.name in page and debtor.credit_code in page
    handler = users["collector"]
    assert (handler.get_full_name() or handler.username) in page
    assert creditor.name in page and "100.00" in page


def test_detail_query_count_is_constant(users: Any, case: Any) -> None:
    from qingqian.cases.services import case_transition

    web = Client()
    web.force_login(users["lawyer"])
    web.get("/")  # a session's first page asks once whether two-factor is enrolled

    def n() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert web.get(f"/cases/{case.pk}/").status_code == 200
        return len(ctx.captured_queries)

    before = n()
    for s in ("evidence_review", "accepted", "negotiation", "payment_plan", "negotiation"):
        case_transition(case=case, actor=users["lawyer"], to_state=s)
    assert n() == before


def test_token_command(users: Any) -> None:
    out = io.StringIO()
    call_command("token", "create", "--user", "lawyer", "--json", stdout=out)
    token = json.loads(out.getvalue())["token"]
    assert (
        Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["username"]
        == "lawyer"
    )
    with pytest.raises(CommandError) as exc:
        call_command("token", "create", "--user", "nobody")
    assert exc.value.returncode == 2


@pytest.mark.parametrize("broad", [False, True])
def test_search_by_name_reference_code_and_invoice(
    api: Client, case: Any, debtor: Any, monkeypatch: pytest.MonkeyPatch, broad: bool
) -> None:
    from qingqian.cases import selectors

    if broad:  # the plain OR plan used for searches most names match
        monkeypatch.setattr(selectors, "BROAD_SEARCH", 1)
    for q in ["文旅酒店", case.reference.lower(), debtor.credit_code, "INV-002"]:
        data = api.get("/api/v1/cases", {"q": q}).json()
        assert [i["id"] for i in data["items"]] == [case.pk], q
        assert data["count"] == 1
    assert api.get("/api/v1/cases", {"q": "不存在的公司"}).json()["count"] == 0


def test_a_bearer_token_is_looked_up_once_per_request(users: Any) -> None:
    """The access middleware and the API's authentication read the same token: one look-up
    and one ``last_used_at`` write per request, not one each."""
    token = api_token_create(user=users["lawyer"])
    with CaptureQueriesContext(connection) as ctx:
        resp = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    token_sql = [q["sql"] for q in ctx.captured_queries if "accounts_apitoken" in q["sql"]]
    assert len(token_sql) == 2, token_sql  # the SELECT and the UPDATE of last_used_at
    row = ApiToken.objects.get(digest=ApiToken.digest_of(token))
    first = row.last_used_at
    assert first is not None
    me = {"path": "/api/v1/me", "headers": {"Authorization": f"Bearer {token}"}}
    # Within a minute of the last recorded use a call writes nothing; after it, one write.
    later = time_machine.travel(first + dt.timedelta(seconds=40), tick=False)
    with later, CaptureQueriesContext(connection) as ctx:
        assert Client().get(**me).status_code == 200
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    row.refresh_from_db()
    assert row.last_used_at == first
    with time_machine.travel(first + dt.timedelta(seconds=61), tick=False):
        assert Client().get(**me).status_code == 200
    row.refresh_from_db()
    assert row.last_used_at == first + dt.timedelta(seconds=61)
    read_only = api_token_create(user=users["lawyer"], scope="read")
    resp = Client().post(
        "/api/v1/cases",
        {},
        content_type="application/json",
        headers={"Authorization": f"Bearer {read_only}"},
    )
    assert resp.status_code == 403
    assert resp.json()["code"] == "token_read_only"


def _open_cases(
    org: Any,
    users: Any,
    creditor: Any,
    n: int,
    *,
    name: str = "估计{}有限公司",
    codes: int = 7000,
    handler: Any = None,
) -> None:
    """``n`` one-debtor trade cases of ¥100, the i-th debtor named ``name.format(i)``."""
    for i in range(n):
        d = party_create(
            organisation=org,
            actor=None,
            kind="company",
            name=name.format(i),
            credit_code=make_uscc(codes + Case.objects.count() * 10 + i),
        )
        case_open(
            organisation=org,
            actor=users["lawyer"],
            creditor=creditor,
            debtors=[d],
            debt_type="trade",
            principal="100",
            channel="web",
            handler=handler,
        )


def test_big_lists_are_counted_by_estimate_small_ones_exactly(
    api: Client, org: Any, users: Any, creditor: Any, settings: Any
) -> None:
    """Past QINGQIAN_EXACT_COUNT_UP_TO results the list says "about N" (PostgreSQL's plan
    estimate, never below the limit); up to it, and on other databases, the exact count."""
    web = Client()
    web.force_login(users["lawyer"])
    _open_cases(org, users, creditor, 5)
    settings.QINGQIAN_EXACT_COUNT_UP_TO = 10
    data = api.get("/api/v1/cases").json()
    assert (data["count"], data["count_exact"]) == (5, True)
    assert "共 5 件" in web.get("/cases/").content.decode()
    settings.QINGQIAN_EXACT_COUNT_UP_TO = 3
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case")  # the planner knows the table's five rows
    data = api.get("/api/v1/cases").json()
    page = web.get("/cases/").content.decode()
    if connection.vendor == "postgresql":
        assert data["count_exact"] is False
        assert data["count"] >= 4  # the planner's estimate, floored past the limit
        assert f"约 {data['count']:,} 件" in page
    else:
        assert (data["count"], data["count_exact"]) == (5, True)
    assert len(data["items"]) == 5  # the rows themselves are never estimated
    # A filter that leaves few rows is exact again, whatever the estimate said.
    one = api.get("/api/v1/cases", {"q": "估计3有限公司"}).json()
    assert (one["count"], one["count_exact"]) == (1, True)


def test_case_page_query_budget(users: Any, case: Any) -> None:
    """The case page's panels share the case, its parties and invoices as loaded once: a
    guard against panels that read them again (the page once took 71 queries)."""
    web = Client()
    web.force_login(users["lawyer"])
    web.get("/")  # a session's first page asks once whether two-factor is enrolled
    web.get(f"/cases/{case.pk}/")
    with CaptureQueriesContext(connection) as ctx:
        assert web.get(f"/cases/{case.pk}/").status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    # The case itself; the follow-up's read of the debtor's open cases (a semi-join on their
    # party links) is another question.
    case_reads = [
        s for s in sql if s.startswith('SELECT "cases_case"."id"') and "cases_caseparty" not in s
    ]
    party_reads = [s for s in sql if 'FROM "cases_caseparty"' in s and "cases_caseparty" in s]
    assert len(case_reads) == 1, case_reads
    assert len(party_reads) <= 2, party_reads  # the page's own, and the follow-up's debtors
    # The test case: 64 before panels shared reads, 48 after; 44 once the session is renewed
    # once a minute, the playbooks read in one query and court days from the holidays alone;
    # 41 with the limitation's four sources read in one UNION ALL; 40 with the payments
    # panel's charges read once for its list and the balance.
    assert len(sql) <= 40, len(sql)


def test_short_name_searches_match_what_the_name_contains(case: Any) -> None:
    """Terms of one or two characters (a person's name is often two) find exactly the cases
    whose debtor name contains them, in any case of letters; on PostgreSQL through the
    index of the names' characters and pairs, not a read of every case."""
    from qingqian.cases import selectors
    from qingqian.cases.models import Case

    Case.objects.filter(pk=case.pk).update(debtor_name="吴勇Ab商行")
    found_by = {"吴": True, "吴勇": True, "勇a": True, "AB": True, "b": True}
    for term, found in {**found_by, "勇吴": False, "x": False}.items():
        qs = selectors._name_contains(term)
        assert list(qs.values_list("pk", flat=True)) == ([case.pk] if found else []), term
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT qq_grams('吴勇Ab')")
        assert sorted(cursor.fetchone()[0]) == sorted(["吴", "勇", "A", "b", "吴勇", "勇A", "Ab"])
        sql, params = selectors._name_contains("吴勇").values("pk").query.sql_with_params()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_debtor_name_grams" in plan, plan
