"""Mixed load for scripts/reliability load: browse, search, checkout + pay, instalment checkout, repay, cases.

Tokens and ids come from LOAD_WORLD (JSON written by the script's seeding step). Only a
5xx (or no answer) counts as a failure: a 409 for an order someone else just changed is
a correct answer under load.
"""
import json
import os
import random
import uuid

from locust import HttpUser, between, task

WORLD = json.loads(open(os.environ["LOAD_WORLD"]).read())  # noqa: SIM115


class Shopper(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self):
        self.token = random.choice(WORLD["buyer_tokens"])
        self.headers = {"Authorization": f"Token {self.token}"}

    def _check(self, response):
        if response.status_code >= 500 or response.status_code == 0:
            response.failure(f"{response.status_code}")
        else:
            response.success()

    @task(5)
    def browse(self):
        with self.client.get("/api/v1/listings/", catch_response=True, name="listings") as r:
            self._check(r)
        with self.client.get(f"/api/v1/listings/{random.choice(WORLD['listings'])}/", catch_response=True,
                             name="listing") as r:
            self._check(r)
        with self.client.get("/", catch_response=True, name="home page") as r:
            self._check(r)

    @task(3)
    def search(self):
        q = random.choice(["earphones", "tea", "耳机", "x" * 50, ""])
        with self.client.get("/api/v1/listings/", params={"q": q, "ordering": "price"}, catch_response=True,
                             name="search") as r:
            self._check(r)

    @task(2)
    def checkout(self):
        body = {"lines": [{"listing": random.choice(WORLD["listings"]), "quantity": 1}],
                "shipping_address": {"name": "张三", "phone": "13912345678", "address": "上海市黄浦区南京东路 1 号"},
                "payment": {"method": "full"}}
        with self.client.post("/api/v1/orders/", json=body, headers=self.headers, catch_response=True,
                              name="checkout") as r:
            self._check(r)
            order = r.json().get("id") if r.status_code == 201 else None
        if order:
            key = {"Idempotency-Key": uuid.uuid4().hex, **self.headers}
            for _ in range(2):  # the retry a flaky network makes: same key, no second payment
                with self.client.post(f"/api/v1/orders/{order}/pay/", json={}, headers=key, catch_response=True,
                                      name="pay") as r:
                    self._check(r)

    @task(1)
    def instalments(self):
        body = {"lines": [{"listing": WORLD["instalment_listing"], "quantity": 1}],
                "shipping_address": {"name": "张三", "phone": "13912345678", "address": "上海市黄浦区南京东路 1 号"},
                "payment": {"method": "installment", "installments": random.choice([3, 6, 12])}}
        # 201 (accepted or held for review), 422 (no credit left, risk rejected): all correct answers
        with self.client.post("/api/v1/orders/", json=body, headers=self.headers, catch_response=True,
                              name="instalment checkout") as r:
            self._check(r)

    @task(1)
    def repay(self):
        with self.client.get("/api/v1/credit/plans/", headers=self.headers, catch_response=True, name="plans") as r:
            self._check(r)
            plans = [p["id"] for p in r.json().get("results", [])] if r.status_code == 200 else []
        if plans:
            with self.client.post("/api/v1/credit/repayments/", json={"plan": plans[0], "mode": "next"},
                                  headers={"Idempotency-Key": uuid.uuid4().hex, **self.headers},
                                  catch_response=True, name="repay") as r:
                self._check(r)

    @task(1)
    def cases(self):
        with self.client.get("/api/v1/after-sales/", headers=self.headers, catch_response=True, name="cases") as r:
            self._check(r)
