"""Reminder texts from the templates in credit/templates/credit/reminders/<language>/, fast enough for a sweep.

A template is rendered by Django once per (language, stage, days, part) with
placeholders for the per-instalment values, then filled by string joins: the
sweep writes 100,000 in-site messages without 100,000 template renders. What a
message may contain is fixed here: amount, due date, instalment number, link to
pay, the buyer's username. Nothing about emergency contacts exists in the context.
"""
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation

from core.money import format_cny
from credit.reminders import conf

LANGUAGES = {code for code, _name in settings.LANGUAGES}
DEFAULT_LANGUAGE = "zh-hans"
FIELDS = ("amount", "due_date", "number", "count", "link", "username")
_TOKEN = re.compile("\x00([a-z_]+)\x00")


@dataclass(frozen=True)
class Values:
    amount: Decimal
    due_date: date
    number: int
    count: int
    plan_id: int
    username: str = ""


def language(code: str | None) -> str:
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def stage(due_date: date, today: date) -> tuple[str, int]:
    """("before", days to go) / ("due", 0) / ("overdue", days late) as the buyer reads it today."""
    days = (due_date - today).days
    if days > 0:
        return "before", days
    if days == 0:
        return "due", 0
    return "overdue", -days


@lru_cache(maxsize=512)
def _compiled(lang: str, part: str, stage_name: str, days: int) -> tuple[str, ...]:
    """The rendered template split into [text, field, text, field, …, text]."""
    context = {name: f"\x00{name}\x00" for name in FIELDS} | {"stage": stage_name, "days": days}
    with translation.override(lang):
        text = render_to_string(f"credit/reminders/{lang}/{part}.txt", context).strip()
    if part in {"title", "sms"}:
        text = " ".join(text.split())
    return tuple(_TOKEN.split(text))


@lru_cache(maxsize=4096)
def _date(lang: str, day: date) -> str:
    with translation.override(lang):
        return formats.date_format(day, "DATE_FORMAT")


@lru_cache(maxsize=1)
def _plan_path() -> tuple[str, str]:
    marker = 987654321
    before, _, after = reverse("credit:plan", args=[marker]).partition(str(marker))
    return before, after


def plan_link(plan_id: int, *, absolute: bool) -> str:
    before, after = _plan_path()
    path = f"{before}{plan_id}{after}"
    return conf.get("SITE_URL").rstrip("/") + path if absolute else path


def _fill(pieces: tuple[str, ...], values: dict) -> str:
    return "".join(piece if index % 2 == 0 else values[piece] for index, piece in enumerate(pieces))


def _values(lang: str, values: Values, *, absolute_link: bool) -> dict:
    return {"amount": format_cny(values.amount), "due_date": _date(lang, values.due_date),
            "number": str(values.number), "count": str(values.count),
            "link": plan_link(values.plan_id, absolute=absolute_link), "username": values.username}


def render(part: str, *, lang: str, values: Values, today: date, absolute_link: bool) -> str:
    """One part ("title", "body", "email_body", "sms") of a reminder, in ``lang``."""
    lang = language(lang)
    stage_name, days = stage(values.due_date, today)
    return _fill(_compiled(lang, part, stage_name, days), _values(lang, values, absolute_link=absolute_link))


class InSiteRenderer:
    """Title, body and link of in-site messages as read on ``today`` (the site's own, relative link)."""

    def __init__(self, today: date):
        self.today = today

    def __call__(self, *, lang: str | None, amount: Decimal, due_date: date, number: int, count: int,
                 plan_id: int) -> tuple[str, str, str]:
        lang = language(lang)
        stage_name, days = stage(due_date, self.today)
        values = _values(lang, Values(amount=amount, due_date=due_date, number=number, count=count, plan_id=plan_id),
                         absolute_link=False)
        return (_fill(_compiled(lang, "title", stage_name, days), values)[:200],
                _fill(_compiled(lang, "body", stage_name, days), values), values["link"])
