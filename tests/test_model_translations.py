"""Every model, field and choice of our apps has a lazily translated name with a zh-Hans translation.

The Django admin (zh-Hans by default) shows these names: a field without a verbose name shows its English
attribute name, a plain string is frozen in English, and a missing catalogue entry leaves English too.
"""
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

APPS = ["core", "marketplace", "protection", "credit", "ledger"]
CJK = re.compile(r"[\u4e00-\u9fff]")
SAME_IN_BOTH = {"IP", "—"}  # translated, and written the same way in Chinese


def _models():
    for label in APPS:
        yield from apps.get_app_config(label).get_models()


def _fields(model):
    for field in model._meta.get_fields():
        if field.auto_created or not (field.concrete or field.many_to_many):
            continue  # the implicit id, reverse relations
        if field.model is not model:
            continue  # inherited: checked on the model that declares it
        yield field


def _problem(where: str, text) -> str | None:
    if not isinstance(text, Promise):
        return f"{where}: {text!r} is not a lazy translation (gettext_lazy)"
    with translation.override("zh-hans"):
        shown = str(text)
    if not CJK.search(shown) and shown not in SAME_IN_BOTH:
        return f"{where}: {shown!r} has no zh-Hans translation (makemessages, translate, compilemessages)"
    return None


def _problems():
    problems = []
    for model in _models():
        name = f"{model._meta.label}"
        problems.append(_problem(f"{name} verbose_name", model._meta.verbose_name))
        problems.append(_problem(f"{name} verbose_name_plural", model._meta.verbose_name_plural))
        for field in _fields(model):
            where = f"{name}.{field.name}"
            problems.append(_problem(f"{where} verbose_name", field.verbose_name))
            if field.help_text:
                problems.append(_problem(f"{where} help_text", field.help_text))
            if field.choices and list(field.choices) != list(settings.LANGUAGES):  # languages: their own names
                for value, label in field.flatchoices:
                    problems.append(_problem(f"{where} choice {value!r}", label))
    return [p for p in problems if p]


def test_every_model_field_and_choice_has_a_translated_name():
    problems = _problems()
    assert not problems, "\n".join(problems)


def test_the_check_finds_an_untranslated_field():
    """The test above can fail: a plain-string and a catalogue-less verbose name are both reported."""
    from django.db import models
    from django.utils.translation import gettext_lazy as _

    assert _problem("x", "plain") is not None
    assert _problem("x", _("a field name nobody translated")) is not None
    assert _problem("x", _("order")) is None
    field = models.CharField(max_length=3)
    field.set_attributes_from_name("brand_new")
    assert _problem("x", field.verbose_name) is not None


@pytest.mark.parametrize(("model", "field", "chinese"), [
    ("marketplace.Order", "status", "状态"),
    ("marketplace.Order", "buyer", "买家"),
    ("credit.Installment", "due_date", None),
])
def test_admin_labels_are_chinese(model, field, chinese):
    verbose = apps.get_model(model)._meta.get_field(field).verbose_name
    with translation.override("zh-hans"):
        shown = str(verbose)
    assert CJK.search(shown), shown
    if chinese:
        assert shown == chinese


def test_every_admin_section_and_model_list_is_named_in_chinese():
    """The admin's index and sidebar: each app's section and each model's list, ours and the libraries' alike."""
    from django.contrib import admin

    problems = []
    with translation.override("zh-hans"):
        for model in admin.site._registry:
            opts = model._meta
            for what, text in (("app", opts.app_config.verbose_name), ("model", opts.verbose_name_plural)):
                if not CJK.search(str(text)):
                    problems.append(f"{opts.label} {what}: {str(text)!r}")
    assert not problems, "\n".join(problems)
