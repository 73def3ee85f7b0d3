"""The mixed workload of benchmarks/load.py (read by locust; its data comes from the JSON
file named by QQ_LOAD_DATA, which load.py writes). Each simulated user is a staff member
who thinks 0.5–1.5 s between actions: case list, case page, search, API list, contact
decisions and payment posting."""

from __future__ import annotations

import json
import os
import random
import uuid

from locust import FastHttpUser, between, task

DATA = json.loads(open(os.environ["QQ_LOAD_DATA"], encoding="utf-8").read())  # noqa: SIM115


class Staff(FastHttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.web = {"Cookie": f"sessionid={DATA['session']}"}
        self.api = {"Authorization": f"Bearer {DATA['token']}"}

    @task(3)
    def case_list(self) -> None:
        page = random.randint(1, 50)
        self.client.get(f"/cases/?page={page}", headers=self.web, name="case list")

    @task(4)
    def case_page(self) -> None:
        self.client.get(
            f"/cases/{random.choice(DATA['cases'])}/", headers=self.web, name="case page"
        )

    @task(2)
    def search(self) -> None:
        term = random.choice(DATA["terms"])
        self.client.get("/cases/", params={"q": term}, headers=self.web, name="search")

    @task(2)
    def api_list(self) -> None:
        page = random.randint(1, 50)
        self.client.get(f"/api/v1/cases?page={page}", headers=self.api, name="api list")

    @task(1)
    def contact_decision(self) -> None:
        case_id, party_id = random.choice(DATA["debtors"])
        body = {"case_id": case_id, "party_id": party_id, "channel": "robot"}
        self.client.post(
            "/api/v1/contact/authorize", json=body, headers=self.api, name="contact decision"
        )

    @task(1)
    def payment(self) -> None:
        case_id = random.choice(DATA["open_cases"])
        body = {"amount": "1.00", "kind": "bank_transfer", "idempotency_key": uuid.uuid4().hex}
        self.client.post(
            f"/api/v1/payments/cases/{case_id}/payments",
            json=body,
            headers=self.api,
            name="payment",
        )
