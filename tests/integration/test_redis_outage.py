"""Redis stops while the site runs: pages and checkout keep working, /healthz names the broker, no task is lost.

The site runs under gunicorn (DEBUG off, the project's WSGI entry point) with a real
Celery worker, both on a ``redis-server`` of the test's own (broker and cache), against
the test database. The test kills that Redis (SIGKILL, no persistence: whatever was
queued is gone), uses the site through the API and the website, starts Redis again and
plays beat (the e-mail dispatch job, published every couple of seconds).

Expected: during the outage every page and every money action answers as usual (the
cache degrades to misses, e-mails the broker cannot take are recorded as waiting) and
``/healthz`` answers 503 naming the broker; afterwards every e-mail of every message is
sent exactly once — those recorded during the outage and those that sat in the queue
Redis lost — and ``/healthz`` is 200 again.
"""
import re
import time
from pathlib import Path

import pytest
import redis
import requests
from rest_framework.authtoken.models import Token

from core.models import Notification
from core.tasks import DISPATCH_EMAILS_TASK
from credit.models import InstallmentPlan, Repayment
from ledger.selectors import books_balanced
from marketplace.models import Listing, Order
from tests.credit.conftest import ADDRESS, assert_books
from tests.integration.conftest import publish, wait_for
from tests.integration.providers import read_email_references

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-9"  # make_user's


@pytest.fixture(autouse=True)
def _set_up_in_process(monkeypatch):
    """E-mails of the set-up (made in this process) are sent here; only the site's go through the worker."""
    from config.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)


class Site:
    """A buyer using the site: API calls with a token, pages with a logged-in session."""

    def __init__(self, url: str, user, listing):
        self.url, self.user, self.listing = url, user, listing
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
        self.pages = requests.Session()
        self.timings = []

    def call(self, method, path, *, session=None, expect, **kwargs):
        started = time.monotonic()
        response = (session or self.api).request(method, self.url + path, timeout=30, allow_redirects=False,
                                                 **kwargs)
        self.timings.append((f"{method} {path}", response.status_code, time.monotonic() - started))
        assert response.status_code == expect, (method, path, response.status_code, response.text[:800])
        return response

    def browse(self):
        for path in ("/", "/listings/?q=earphones", f"/listings/{self.listing.pk}/", f"/shops/{self.listing.shop_id}/",
                     "/api/v1/listings/?q=earphones", f"/api/v1/listings/{self.listing.pk}/", "/api/v1/categories/"):
            self.call("GET", path, session=requests.Session(), expect=200)

    def checkout_and_pay(self, key: str) -> int:
        order = self.call("POST", "/api/v1/orders/", expect=201, json={
            "lines": [{"listing": self.listing.pk, "quantity": 1}], "shipping_address": ADDRESS,
            "payment": {"method": "full"}}).json()["id"]
        self.call("POST", f"/api/v1/orders/{order}/pay/", expect=200, json={}, headers={"Idempotency-Key": key})
        return order

    def instalments_and_repay(self, key: str) -> int:
        order = self.call("POST", "/api/v1/orders/", expect=201, json={
            "lines": [{"listing": self.listing.pk, "quantity": 1}], "shipping_address": ADDRESS,
            "payment": {"method": "installment", "installments": 3}}).json()["id"]
        plan = InstallmentPlan.objects.get(order_id=order).pk
        self.call("POST", "/api/v1/credit/repayments/", expect=201, json={"plan": plan, "mode": "next"},
                  headers={"Idempotency-Key": key})
        return order

    def _form(self, path, data, *, expect=302):
        return self.call("POST", path, session=self.pages, expect=expect, data=data,
                         headers={"X-CSRFToken": self.pages.cookies["csrftoken"], "Referer": self.url + path})

    def website_checkout_and_pay(self) -> int:
        if "sessionid" not in self.pages.cookies:
            self.call("GET", "/accounts/login/", session=self.pages, expect=200)
            self._form("/accounts/login/", {"username": self.user.username, "password": PASSWORD})
        self._form("/cart/add/", {"listing": self.listing.pk, "quantity": 1})
        placed = self._form(f"/checkout/{self.listing.shop_id}/", {**ADDRESS, "payment_method": "full"})
        order = int(re.search(r"/orders/(\d+)/", placed.headers["Location"]).group(1))
        page = self.call("GET", f"/orders/{order}/", session=self.pages, expect=200)
        key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
        self._form(f"/orders/{order}/pay/", {"outcome": "approve", "key": key})
        for path in ("/orders/", "/cart/", "/notifications/"):
            self.call("GET", path, session=self.pages, expect=200)
        return order

    def health(self) -> tuple[int, dict]:
        response = requests.get(self.url + "/healthz", timeout=30)
        return response.status_code, response.json()


def emails(since: int):
    """The messages made by the site (after ``since``) that are to be e-mailed, by status."""
    rows = Notification.objects.filter(pk__gt=since).exclude(email_status="")
    return {status: sorted(rows.filter(email_status=status).values_list("pk", flat=True))
            for status in ("pending", "sending", "sent", "failed")}


def assert_each_sent_once(since: int, mail_dir: Path):
    wanted = Notification.objects.filter(pk__gt=since).exclude(email_status="")
    assert set(wanted.values_list("email_status", flat=True)) == {"sent"}
    refs = read_email_references(mail_dir)
    assert len(refs) == len(set(refs)), "an e-mail was sent twice"
    assert set(refs) == {f"notification-{pk}" for pk in wanted.values_list("pk", flat=True)}


def play_beat_until_sent(broker_url: str, since: int, *, every=2.0, timeout=120):
    """Publish the dispatch job every few seconds (as beat does every 5 minutes) until nothing waits."""
    deadline = time.monotonic() + timeout
    while True:
        publish(broker_url, DISPATCH_EMAILS_TASK)
        waiting = emails(since)
        if not waiting["pending"] and not waiting["sending"]:
            return
        assert time.monotonic() < deadline, f"e-mails still waiting: {waiting}"
        time.sleep(every)


def test_the_site_keeps_working_without_redis_and_nothing_is_lost(buyer_with_line, listing, merchant, own_redis,
                                                                  own_env, start_worker, start_web, tmp_path):
    env = {**own_env, "IT_EMAIL_REQUEUE_SECONDS": "3"}
    mail_dir = Path(env["IT_MAIL_DIR"])
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    stock = Listing.objects.get(pk=listing.pk).stock
    worker = start_worker(env, concurrency=1)
    site = Site(start_web(env, workers=1, threads=4).url, buyer_with_line, listing)

    # 1. All up: the e-mails go out through the worker.
    assert site.health() == (200, {"status": "ok", "checks": {"database": "ok", "broker": "ok"}})
    site.browse()
    orders = [site.checkout_and_pay("before-outage")]
    wait_for(lambda: not emails(since)["pending"] and not emails(since)["sending"], what="the first e-mails",
             state=lambda: emails(since))
    assert_each_sent_once(since, mail_dir)

    # 2. Redis gone (and with it the cache, the broker and anything queued).
    own_redis.stop()
    status, body = site.health()
    assert status == 503 and body["failed"] == ["broker"] and body["checks"]["database"] == "ok", body
    during = len(site.timings)
    site.browse()
    orders.append(site.checkout_and_pay("during-outage"))
    orders.append(site.instalments_and_repay("repay-during-outage"))
    orders.append(site.website_checkout_and_pay())
    site.browse()
    assert all(code < 400 for _, code, _ in site.timings[during:])
    waiting = emails(since)
    assert waiting["pending"], "the outage's e-mails must be recorded as waiting"
    assert not Notification.objects.filter(pk__in=waiting["pending"], email_enqueued_at__isnull=False).exists()
    assert worker.process.poll() is None  # the worker waits for its broker; it does not die

    # 3. Redis back (empty): the worker reconnects, the dispatch job sends what waited, once.
    own_redis.start()
    wait_for(lambda: site.health()[0] == 200, timeout=60, what="/healthz to be 200 again")
    play_beat_until_sent(own_redis.url, since)
    assert_each_sent_once(since, mail_dir)

    # 4. Tasks queued in Redis when it died are lost with it; the dispatch job publishes them again.
    worker.stop()
    orders.append(site.checkout_and_pay("queued-then-lost"))
    queued = redis.Redis.from_url(own_redis.url).llen("celery")
    assert queued > 0 and emails(since)["pending"]  # published, waiting in Redis for a worker
    own_redis.stop()
    own_redis.start()
    assert redis.Redis.from_url(own_redis.url).llen("celery") == 0
    start_worker(env, concurrency=1)
    play_beat_until_sent(own_redis.url, since)
    assert_each_sent_once(since, mail_dir)

    # The money and the stock are what the requests said, once each.
    assert Order.objects.filter(pk__in=orders).count() == len(orders) == 5
    assert set(Order.objects.filter(pk__in=orders).values_list("status", flat=True)) == {"paid"}
    assert Listing.objects.get(pk=listing.pk).stock == stock - len(orders)
    assert Repayment.objects.count() == 1
    assert books_balanced()
    assert_books(buyer_with_line)
    slowest = max(seconds for _, _, seconds in site.timings[during:])
    print(f"{len(site.timings)} requests, {len(site.timings) - during} during or after the outage, slowest "
          f"{slowest:.2f}s; {len(read_email_references(mail_dir))} e-mails, each once")
