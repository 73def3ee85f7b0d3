"""Built-in help: every page links to its section of the user guide, and every section it
links to exists in Chinese and in English; the guide is served at /guide/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from qingqian.access import ROUTES
from qingqian.web.help import HELP, ROLE_PAGES, all_targets, help_href, help_target

GUIDE = Path(__file__).resolve().parents[2] / "guide"
ANCHOR = re.compile(r"^#{1,6} .*\{#([a-z0-9-]+)\}\s*$", re.MULTILINE)


def anchors(page: Path) -> set[str]:
    return set(ANCHOR.findall(page.read_text(encoding="utf-8")))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_linked_section_exists(lang: str) -> None:
    missing = []
    for target in sorted(all_targets()):
        page, _, anchor = target.partition("#")
        path = GUIDE / lang / f"{page}.md"
        if not path.is_file():
            missing.append(f"{target}: no {path.relative_to(GUIDE)}")
        elif anchor and anchor not in anchors(path):
            missing.append(f"{target}: no heading {{#{anchor}}} in {path.relative_to(GUIDE)}")
    assert not missing, "\n".join(missing)


def test_help_lines_name_real_routes_and_roles() -> None:
    from qingqian.accounts.roles import Role

    assert set(HELP) <= set(ROUTES), set(HELP) - set(ROUTES)
    roles = {r.value for r in Role}
    assert set(ROLE_PAGES) == roles
    for entry in HELP.values():
        if isinstance(entry, dict):
            assert "*" in entry and set(entry) - {"*"} <= roles


def test_targets_by_page_role_and_language() -> None:
    assert help_target("web:hotline", "intake_agent") == "intake#hotline"
    assert help_target("reports:agreement", "creditor") == "creditor#sign-agreement"
    assert help_target("reports:agreement", "lawyer") == "lawyer#fee-agreement"
    assert help_target("some:new_page", "collector") == "collector"  # a page without a line
    # the pages that shipped after the guide's first edition (h24m)
    assert help_target("kpis:dashboard", "admin") == "kpi#dashboard"
    assert help_target("kpis:drill", "creditor") == "kpi#drill"
    assert help_target("mediation:case", "mediator") == "mediation#case"
    assert help_target("mediation:case", "community_mediator") == "mediation#community"
    assert help_target("mediation:roster", "community_mediator") == "mediation#roster"
    assert help_target("scoring:queue", "collector") == "collector-desk#queue"
    assert help_target("portal:pay", None) == "debtor-pay#transfer"
    assert help_target("outbox:list", "collector") == "debtor-pay#demo-outbox"
    assert help_target("account:twofactor_verify", "compliance") == "account#two-factor"
    assert help_target("account:password_reset", None) == "account#password-reset"
    assert help_target(None, None) == "index"
    assert help_href("/guide/", "intake#hotline", "zh-hans") == "/guide/intake/#hotline"
    assert help_href("/guide/", "intake#hotline", "en") == "/guide/en/intake/#hotline"
    assert help_href("/guide/", "index#dashboard", "en") == "/guide/en/#dashboard"
    assert help_href("/guide/", "admin/index", "zh-hans") == "/guide/admin/"
    assert help_href("https://help.example.cn/qq", "debtor#pay", "en") == (
        "https://help.example.cn/qq/en/debtor/#pay"
    )


@pytest.fixture
def staff(db: Any) -> dict[str, Any]:
    from qingqian.accounts.models import Organisation, User
    from qingqian.parties.services import party_create
    from tests.support import make_uscc

    org = Organisation.objects.create(name="帮助测试", short_code="help")
    firm = party_create(
        organisation=org,
        actor=None,
        kind="company",
        name="帮助测试债权人",
        credit_code=make_uscc(5),
    )
    users = {
        role: User.objects.create_user(
            username=role,
            password="x",
            organisation=org,
            role=role,
            creditor=firm if role == "creditor" else None,
        )
        for role in ("intake_agent", "creditor")
    }
    return users


def test_pages_render_their_help_link(client: Any, staff: dict[str, Any]) -> None:
    client.force_login(staff["intake_agent"])
    assert 'id="contacts-link"' not in client.get("/account/").content.decode()  # staff
    body = client.get("/hotline/").content.decode()
    assert 'class="help" href="/guide/intake/#hotline"' in body
    body = client.get("/").content.decode()
    assert 'href="/guide/#dashboard"' in body
    client.cookies["django_language"] = "en"
    body = client.get("/hotline/").content.decode()
    assert 'href="/guide/en/intake/#hotline"' in body
    client.force_login(staff["creditor"])
    client.cookies["django_language"] = "zh-hans"
    body = client.get("/cases/").content.decode()
    assert 'href="/guide/creditor/#cases"' in body
    body = client.get("/account/").content.decode()
    assert 'href="/guide/account/#security"' in body
    # a creditor's user finds the addresses for one-time codes from the account page
    assert 'id="contacts-link"' in body
    body = client.get("/account/contacts/").content.decode()
    assert 'href="/guide/creditor/#contacts"' in body
    body = client.get("/kpis/").content.decode()
    assert 'href="/guide/kpi/#dashboard"' in body


def test_signed_out_pages_link_to_the_guide(client: Any, db: Any) -> None:
    assert 'href="/guide/#sign-in"' in client.get("/login/").content.decode()


def test_the_guide_is_served(client: Any, db: Any, settings: Any, tmp_path: Path) -> None:
    settings.GUIDE_DIR = tmp_path
    missing = client.get("/guide/")
    assert missing.status_code == 404
    assert "make docs" in missing.content.decode()
    (tmp_path / "index.html").write_text("<h1>用户手册</h1>", encoding="utf-8")
    (tmp_path / "intake").mkdir()
    (tmp_path / "intake" / "index.html").write_text("<h1>客服</h1>", encoding="utf-8")
    home = client.get("/guide/")
    assert home.status_code == 200
    assert b"".join(home.streaming_content).decode() == "<h1>用户手册</h1>"
    assert "'unsafe-inline'" in home["Content-Security-Policy"]
    page = client.get("/guide/intake/")
    assert page.status_code == 200
    assert client.get("/guide/nope/").status_code == 404
    assert client.get("/guide/../settings.py").status_code == 404
    assert client.get("/guide/%2e%2e/%2e%2e/etc/passwd").status_code == 404


def test_every_route_is_a_page_with_help_or_says_why_not() -> None:
    """A new page without a line in ``HELP`` fails here (it would fall back to its role's
    guide); a route that is no page (a form's action, a download, a machine's) says so."""
    from qingqian.web.help import NOT_PAGES

    assert not set(HELP) & set(NOT_PAGES), set(HELP) & set(NOT_PAGES)
    assert set(HELP) | set(NOT_PAGES) == set(ROUTES), {
        "neither": sorted(set(ROUTES) - set(HELP) - set(NOT_PAGES)),
        "gone": sorted((set(HELP) | set(NOT_PAGES)) - set(ROUTES)),
    }


def test_the_build_fails_on_a_help_link_the_built_site_lacks(tmp_path: Path) -> None:
    """The guide's MkDocs hook (guide/hooks.py) reads the built pages for every target's id;
    here on a built site with one page and one section missing."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("guide_hooks", GUIDE / "hooks.py")
    assert spec is not None and spec.loader is not None
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    for target in all_targets():
        page, _, anchor = target.partition("#")
        folder = tmp_path / ("" if page == "index" else page.removesuffix("/index"))
        folder.mkdir(parents=True, exist_ok=True)
        html = folder / "index.html"
        ids = html.read_text(encoding="utf-8") if html.exists() else "<h1>x</h1>"
        html.write_text(ids + (f'<h2 id="{anchor}">x</h2>' if anchor else ""), encoding="utf-8")
    assert hooks.missing_help_targets(tmp_path) == []
    (tmp_path / "intake" / "index.html").write_text('<h2 id="cases">', encoding="utf-8")
    (tmp_path / "kpi" / "index.html").unlink()
    missing = hooks.missing_help_targets(tmp_path)
    assert f"{tmp_path.name}/intake/#hotline: no section with this id" in missing
    assert f"{tmp_path.name}/kpi/#dashboard: no page kpi/index.html" in missing
