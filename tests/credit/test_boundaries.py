"""STYLE.md: nobody writes another app's models. Credit reads marketplace models, and writes (or locks) them only
through marketplace services; this test reads credit's source for ORM writes on marketplace models."""
import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

CREDIT = Path(settings.BASE_DIR) / "credit"
MARKETPLACE_MODELS = {model.__name__ for model in apps.get_app_config("marketplace").get_models()}
WRITES = {"update", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "delete",
          "select_for_update", "save"}
# A proxy of a marketplace model that credit declares for its admin screens; the same rule applies to it.
CREDIT_PROXIES = {"ShopCashOutRisk"}


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _writes(path: Path) -> list[str]:
    """``Model.objects...update(...)`` and the like (an instance's ``save()`` is left to review)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set(CREDIT_PROXIES)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("marketplace.models"):
            imported |= {alias.asname or alias.name for alias in node.names if alias.name in MARKETPLACE_MODELS}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            chain = ast.unparse(node.func)
            if _root_name(node.func) in imported and ".objects" in chain:
                found.append(f"{path.name}:{node.lineno}: {chain}(...)")
    return found


def test_marketplace_models_are_known():
    assert {"Shop", "Order", "Listing", "User"} <= MARKETPLACE_MODELS


@pytest.mark.parametrize("path", sorted(p for p in CREDIT.rglob("*.py") if "migrations" not in p.parts),
                         ids=lambda p: str(p.relative_to(CREDIT)))
def test_credit_writes_no_marketplace_model_directly(path):
    assert _writes(path) == []


def test_the_check_finds_a_direct_write(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from marketplace.models import Order, Shop\n"
                      "def f(pk):\n    Shop.objects.filter(pk=pk).update(risk_level='elevated')\n"
                      "    Order.objects.select_for_update().get(pk=pk)\n    Order.objects.filter(pk=pk).exists()\n")
    assert _writes(sample) == ["sample.py:3: Shop.objects.filter(pk=pk).update(...)",
                               "sample.py:4: Order.objects.select_for_update(...)"]
