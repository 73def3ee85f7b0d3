"""The contact policy editor as a form (issue 19): fields, preview, publish, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from qingqian.contact.models import ContactPolicy
from qingqian.contact.policy_form import apply_form, form_view
from qingqian.contact.presets import CN_DEFAULT

pytestmark = pytest.mark.django_db
URL = "/contact/policies/cn-default/"


def _form(**over: Any) -> dict[str, Any]:
    """The form as the page posts it, unchanged from cn-default, with ``over`` applied."""
    f = form_view(CN_DEFAULT.to_dict(), en=False)
    data: dict[str, Any] = {"mode": "form", "description_zh": f["description_zh"],
                            "description_en": f["description_en"]}  # fmt: skip
    for w in f["windows"]:
        data[f"window_start_{w['n']}"] = w["start"]
        data[f"window_end_{w['n']}"] = w["end"]
    for s in f["channel_sets"]:
        data[s["key"]] = sorted(s["chosen"])
    data["allowed_roles"] = [r["value"] for r in f["roles"] if r["chosen"]]
    data["timezone_rule"] = f["timezone_rule"]
    data["default_timezone"] = f["default_timezone"]
    for c in f["caps"]:
        data[f"cap_limit_{c['n']}"] = c["limit"]
        data[f"cap_days_{c['n']}"] = c["days"]
    tp = f["third_party"]
    data |= {"third_party_enabled": "1", "third_party_channels": sorted(tp["chosen"]),
             "third_party_max_reached": tp["max_reached"],
             "third_party_stop_after_refusal": "1", "third_party_requires_unreachable": "1",
             "visit_min_collectors": f["visit_min_collectors"]}  # fmt: skip
    return data | over


class _Post(dict):  # type: ignore[type-arg]
    def getlist(self, key: str) -> list[Any]:
        value = self.get(key, [])
        return value if isinstance(value, list) else [value]


def test_an_unchanged_form_gives_back_the_same_policy() -> None:
    assert apply_form(CN_DEFAULT.to_dict(), _Post(_form())) == CN_DEFAULT.to_dict()


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_form_previews_and_publishes(users: Any) -> None:
    c = _client(users["compliance"])
    page = c.get(URL).content.decode()
    assert 'name="cap_limit_0" value="3"' in page and "每人每天接通的语音通话" in page
    preview = c.post(URL, _form(cap_limit_0="2", action="preview"), headers={"HX-Request": "1"})
    row = preview.content.decode().split('data-sample="third_conversation"')[1].split("</tr>")[0]
    assert "变化" in row
    assert ContactPolicy.objects.filter(name="cn-default").count() == 1
    done = c.post(URL, _form(cap_limit_0="2", window_end_0="21:00", action="publish",
                             note="收紧"))  # fmt: skip
    assert done.status_code == 302
    latest = ContactPolicy.objects.filter(name="cn-default").order_by("-version").first()
    assert latest is not None and latest.version == 2
    policy = latest.policy()
    assert policy.caps[0].limit == 2 and policy.windows[0].label == "08:00–21:00"
    assert policy.sources == CN_DEFAULT.sources  # what the form does not show is kept


def test_bad_form_input_says_which_field_and_publishes_nothing(users: Any) -> None:
    c = _client(users["compliance"])
    r = c.post(URL, _form(cap_limit_0="abc", action="publish"))
    assert r.status_code == 422 and "每人每天接通的语音通话" in r.content.decode()
    r = c.post(URL, _form(window_start_0="22:00", window_end_0="08:00", action="publish"))
    assert r.status_code == 422 and "时段起点必须早于终点" in r.content.decode()
    r = c.post(URL, _form(window_start_0="25:99", action="preview"))
    assert r.status_code == 422 and "时:分" in r.content.decode()
    assert ContactPolicy.objects.filter(name="cn-default").count() == 1
