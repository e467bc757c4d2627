"""Give every order that was paid without a ship-by deadline one: paid_at + SHIP_WITHIN_HOURS.

Credit-funded orders and orders released from risk review used to become paid without
``ship_by`` (only a full payment set it); ``order_transition`` now sets it for every way
an order becomes paid. Nothing to undo: the reverse leaves the deadlines in place.
"""
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.db.models import F


def backfill_ship_by(apps, schema_editor):
    Order = apps.get_model("marketplace", "Order")
    hours = int(settings.FANGXIN.get("SHIP_WITHIN_HOURS", 48))
    Order.objects.filter(paid_at__isnull=False, ship_by__isnull=True).update(
        ship_by=F("paid_at") + timedelta(hours=hours))


class Migration(migrations.Migration):

    dependencies = [("marketplace", "0006_verbose_names")]

    operations = [migrations.RunPython(backfill_ship_by, migrations.RunPython.noop)]
