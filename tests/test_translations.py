"""The Simplified Chinese catalogues are complete, well-formed, compiled, and used by the site.

Catalogues: the project's (locale/: core, ledger, marketplace, config and templates/) and the apps' own
(credit/locale/, protection/locale/). The .po files are read with the small parser below: no dependency.
"""
import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGUES = {
    "project": ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
    "credit": ROOT / "credit" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
    "protection": ROOT / "protection" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po",
}


# --- a small .po parser -------------------------------------------------------------------------
@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.references[0] if self.references else 'line ' + str(self.line)}: {self.msgid!r}"


def _unquote(text: str) -> str:
    # A .po string is a C string literal; Python's literal syntax reads the escapes gettext writes.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None
    started = False

    def finish():
        nonlocal entry, target, started
        if started:
            entries.append(entry)
        entry, target, started = Entry(), None, False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            started = True
            entry.obsolete = True
            continue
        if line.startswith("#"):
            if started and entry.msgstr:  # a comment after a complete entry starts a new one
                finish()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            elif line.startswith("#:"):
                entry.references += line[2:].split()
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if match:
            keyword, index, value = match.groups()
            if keyword == "msgid" and entry.msgid_plural is None and entry.msgstr:
                finish()
            if not started:
                entry.line = number
            started = True
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index) if index is not None else 0)
                entry.msgstr[target[1]] = _unquote(value)
            else:
                target = (keyword, None)
                setattr(entry, keyword, _unquote(value))
            continue
        assert line.startswith('"') and target, f"{path}:{number}: cannot read {raw!r}"
        if target[0] == "msgstr":
            entry.msgstr[target[1]] += _unquote(line)
        else:
            setattr(entry, target[0], getattr(entry, target[0]) + _unquote(line))
    finish()
    return entries


def header(entries: list[Entry]) -> Entry:
    assert entries and entries[0].msgid == "" and entries[0].msgctxt is None, "the header entry comes first"
    return entries[0]


def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.msgid and not e.obsolete]


@pytest.fixture(scope="module", params=sorted(CATALOGUES))
def catalogue(request):
    path = CATALOGUES[request.param]
    assert path.exists(), f"{path} is missing: run makemessages -l zh_Hans"
    return path, parse_po(path)


# --- placeholders ---------------------------------------------------------------------------------
PRINTF = re.compile(r"%(?:\((?P<name>\w+)\))?[-#0 +]*\d*(?:\.\d+)?(?P<conv>[sdiouxXeEfFgGcr%])")
BRACE = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")


def printf_placeholders(text: str) -> tuple[list[str], int]:
    """Sorted named placeholders (with conversion), positional ones in order, and the number of %%."""
    named, positional, escaped = [], [], 0
    for m in PRINTF.finditer(text):
        if m.group("conv") == "%":
            escaped += 1
        elif m.group("name"):
            named.append(f"%({m.group('name')}){m.group('conv')}")
        else:
            positional.append(f"%{m.group('conv')}")
    return sorted(named) + positional, escaped


def stray_percent(text: str) -> bool:
    """A % that is no conversion: formatting the string would raise."""
    return "%" in PRINTF.sub("", text)


def test_header_declares_chinese_and_one_plural_form(catalogue):
    path, entries = catalogue
    head = header(entries)
    assert "fuzzy" not in head.flags, f"{path}: the header is fuzzy, so msgfmt would ignore it"
    text = head.msgstr[0]
    assert "Language: zh_Hans\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=1; plural=0;" in text


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    path, entries = catalogue
    problems = []
    for e in messages(entries):
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {e.where}")
        if sorted(e.msgstr) != [0] or not e.msgstr[0]:  # zh: one form, plural entries included
            problems.append(f"untranslated: {e.where}")
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_catalogue_is_not_empty(catalogue):
    path, entries = catalogue
    assert len(messages(entries)) > 100, path


def test_placeholders_match(catalogue):
    path, entries = catalogue
    problems = []
    for e in messages(entries):
        for translated in e.msgstr.values():
            # zh has one form: it serves n == 1 and n > 1, so it follows the plural msgid.
            source = e.msgid if e.msgid_plural is None else e.msgid_plural
            if printf_placeholders(source) != printf_placeholders(translated):
                problems.append(f"{e.where}\n    {printf_placeholders(source)} != "
                                f"{printf_placeholders(translated)} in {translated!r}")
            if "python-format" in e.flags or "%%" in source:
                if stray_percent(translated):
                    problems.append(f"{e.where}\n    a lone % in {translated!r}")
            if "python-brace-format" in e.flags and sorted(BRACE.findall(source)) != sorted(
                    BRACE.findall(translated)):
                problems.append(f"{e.where}\n    brace placeholders differ in {translated!r}")
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_html_tags_are_kept(catalogue):
    path, entries = catalogue
    problems = []
    for e in messages(entries):
        source = e.msgid if e.msgid_plural is None else e.msgid_plural
        for translated in e.msgstr.values():
            if sorted(TAG.findall(source)) != sorted(TAG.findall(translated)):
                problems.append(f"{e.where}: {translated!r}")
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_no_english_left_in_translations(catalogue):
    """A msgstr copied from its msgid, or with a whole English sentence in it, was not translated."""
    path, entries = catalogue
    allowed = {"English", "IP", "SMS", "APR", "CSV", "JSON", "—", "— choose —"}
    problems = []
    for e in messages(entries):
        for translated in e.msgstr.values():
            if e.msgid in allowed:
                continue
            letters = re.sub(r"%\(\w+\)\w|<[^>]+>|\"[^\"]*\"|\b[A-Za-z]+[-_:.][\w:.-]+\b", "", translated)
            if translated == e.msgid or re.search(r"[A-Za-z]{3,}(?: [A-Za-z]{2,}){2,}", letters):
                problems.append(f"{e.where}: {translated!r}")
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_a_message_shared_by_catalogues_has_one_translation():
    """Django merges the catalogues: the project's (LOCALE_PATHS) shadows the apps', and an app listed
    earlier in INSTALLED_APPS shadows a later one. A msgid in two catalogues therefore shows one
    translation everywhere; two different ones mean one of them is never seen (use pgettext instead)."""
    seen: dict[tuple, dict[str, str]] = {}
    for name, path in CATALOGUES.items():
        for e in messages(parse_po(path)):
            seen.setdefault((e.msgctxt, e.msgid, e.msgid_plural), {})[name] = e.msgstr.get(0, "")
    conflicts = {key[1]: by for key, by in seen.items() if len(set(by.values())) > 1}
    assert not conflicts, conflicts


# Hidden today; the fix is a context in the code (pgettext), which changes the msgid. Remove the entry then.
# ("protection", "Exchange") and ("protection", "Days") were: django_celery_beat (earlier in INSTALLED_APPS)
# translated them as an AMQP exchange and an interval unit. They carry a context now.
KNOWN_HIDDEN: set[tuple[str, str]] = set()


def test_every_translation_is_the_one_the_site_shows(catalogue):
    """An app's translation is hidden when the project catalogue, an app listed earlier in INSTALLED_APPS
    (Django's own, DRF, ...) or the other app has the same msgid: the site then shows theirs."""
    path, entries = catalogue
    name = next(key for key, value in CATALOGUES.items() if value == path)
    hidden, fixed = [], []
    with translation.override("zh-hans"):
        for e in messages(entries):
            if e.msgid_plural is None:
                shown = (translation.pgettext(e.msgctxt, e.msgid) if e.msgctxt is not None
                         else translation.gettext(e.msgid))
            else:
                shown = (translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 2) if e.msgctxt is not None
                         else translation.ngettext(e.msgid, e.msgid_plural, 2))
            known = (name, e.msgid) in KNOWN_HIDDEN
            if shown != e.msgstr[0] and not known:
                hidden.append(f"{e.where}: the site shows {shown!r}, not {e.msgstr[0]!r}")
            elif shown == e.msgstr[0] and known:
                fixed.append(f"{e.where}: shown now; remove it from KNOWN_HIDDEN")
    assert not hidden, f"{path}:\n" + "\n".join(hidden)
    assert not fixed, f"{path}:\n" + "\n".join(fixed)


def test_compiled_catalogue_matches_the_po_file(catalogue):
    """The committed .mo (a fresh machine may lack gettext's tools) holds exactly the .po's translations."""
    path, entries = catalogue
    mo = path.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run compilemessages"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = compiled._catalog  # the parsed .mo: {msgid: msgstr} and {(msgid, n): msgstr} for plurals
    stale = []
    for e in messages(entries):
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            if catalog.get(key) != e.msgstr[0]:
                stale.append(e.where)
        elif catalog.get((key, 0)) != e.msgstr[0]:
            stale.append(e.where)
    assert not stale, f"{mo} is older than {path.name}: run compilemessages\n" + "\n".join(stale[:20])
    assert compiled.ngettext("%(n)s item", "%(n)s items", 5) is not None  # Plural-Forms parsed


# --- the site uses them ---------------------------------------------------------------------------
@pytest.mark.parametrize(("msgid", "chinese"), [
    ("Guarantee deposit", "保证金"),        # project: marketplace
    ("Tracking number", "运单号"),
    ("Privacy centre", "隐私中心"),        # project: core
    ("Credit centre", "信用中心"),         # credit
    ("Return and refund", "退货退款"),      # protection
])
def test_python_strings_translate(msgid, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(msgid) == chinese
    with translation.override("en"):
        assert translation.gettext(msgid) == msgid


@pytest.mark.parametrize(("context", "msgid", "chinese"), [
    ("noun", "Order", "订单"),
    ("complaint status", "Open", "待处理"),   # a complaint waiting for staff
    ("link", "Open", "查看"),                 # open a notification's page
    ("verb", "Pay", "还款"),                  # the button
    ("repayment mode", "Pay", "还款方式"),     # the form field choosing what to pay
    ("after-sales type", "Exchange", "换货"),
    ("duration", "Days", "天数"),
    ("after-sales", "Return", "退货"),
    ("money", "Balance", "余额"),
])
def test_ambiguous_short_strings_carry_a_context(context, msgid, chinese):
    with translation.override("zh-hans"):
        assert translation.pgettext(context, msgid) == chinese
    with translation.override("en"):
        assert translation.pgettext(context, msgid) == msgid


def test_plural_strings_translate():
    with translation.override("zh-hans"):
        assert translation.ngettext("%(n)s review", "%(n)s reviews", 1) % {"n": 1} == "1 条评价"
        assert translation.ngettext("%(n)s review", "%(n)s reviews", 7) % {"n": 7} == "7 条评价"


@pytest.mark.django_db
@pytest.mark.parametrize("accept_language", ["zh-hans", "zh-CN", "zh-cn,zh;q=0.9,en;q=0.8", ""])
def test_home_page_renders_in_chinese(accept_language):
    html = Client().get("/", HTTP_ACCEPT_LANGUAGE=accept_language).content.decode()

    assert '<html lang="zh-hans">' in html
    assert "放心" in html
    for label in ("买得放心", "搜索", "登录", "注册", "商品类目"):
        assert label in html, label
    for english in ("Shop with peace of mind", ">Search<", "Log in", "Sign up"):
        assert english not in html, english


@pytest.mark.django_db
def test_home_page_renders_in_english_on_request():
    html = Client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en">' in html
    for label in ("Shop with peace of mind", "Search", "Log in", "Sign up", "Categories"):
        assert label in html, label
    assert "买得放心" not in html and "商品类目" not in html


@pytest.mark.django_db
def test_login_and_404_pages_render_in_chinese():
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")

    login = client.get("/accounts/login/")
    assert login.status_code == 200
    assert "第一次来？" in login.content.decode()

    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "页面不存在" in missing.content.decode()
