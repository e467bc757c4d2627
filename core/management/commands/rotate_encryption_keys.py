"""manage.py rotate_encryption_keys: re-encrypt every encrypted field under the newest key.

Key rotation, step by step
--------------------------
1. Make a new key::

       python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"

2. Put it FIRST in ``FIELD_ENCRYPTION_KEYS`` and keep the old key(s) after it
   (``FIELD_ENCRYPTION_KEYS=<new>,<old>``), then restart the web processes, workers and
   beat. From now on every write uses the new key; rows written earlier still decrypt.
3. Run ``python manage.py rotate_encryption_keys``. It finds every model with an
   encrypted field (``apps.get_models()``), reads its rows in batches of ``--batch-size``
   under a row lock and saves, through ``Model.save(update_fields=...)``, each field whose
   stored token the newest key cannot open. The encryption canary is one of those rows.
   It is safe while the site is serving (rows are locked while they are re-saved), and
   safe to run again: rows already under the newest key are skipped.
4. ``python manage.py rotate_encryption_keys --check`` must report 0 rows under older
   keys (it exits with an error otherwise).
5. Remove the old key from ``FIELD_ENCRYPTION_KEYS`` and restart. Keep the old key in
   your secret store until every backup taken before the rotation has expired: those
   backups need it.

Blind indexes (``*_index`` columns) are HMACs under ``BLIND_INDEX_KEY``, not under these
keys, and the plaintext does not change, so they stay valid; saving through the model
also refreshes any index its ``save()`` maintains (the user's phone index).

If a stored value cannot be decrypted with any configured key the command stops and
names the model: put the key it was written with back into the list (never start with
a key list that cannot read the data — the start-up check fangxin.E001 refuses to).
"""
import time

import cryptography.fernet
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast
from encrypted_model_fields.fields import EncryptedMixin

from core.fields import UndecryptableValue
from core.progress import ProgressBar, add_progress_argument

RAW = "_rotation_raw_"


def encrypted_models() -> list[tuple[type, list]]:
    """Every concrete model with encrypted fields, with those fields (proxies share their parent's rows)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]
        if fields:
            found.append((model, fields))
    return sorted(found, key=lambda item: item[0]._meta.label)


def newest_fernet() -> cryptography.fernet.Fernet:
    keys = settings.FIELD_ENCRYPTION_KEY
    return cryptography.fernet.Fernet(keys[0] if isinstance(keys, (list, tuple)) else keys)


def under_newest_key(token, fernet) -> bool:
    if not token:
        return True  # empty values are stored as they are: nothing to rotate
    try:
        fernet.decrypt(token.encode() if isinstance(token, str) else token)
    except cryptography.fernet.InvalidToken:
        return False
    return True


def _batch(model, fields, *, after, size, lock: bool):
    queryset = model._base_manager.order_by("pk").only("pk", *(f.name for f in fields)).annotate(
        **{RAW + f.attname: Cast(F(f.attname), output_field=TextField()) for f in fields})
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return list(queryset[:size])


def _unreadable_pk(model, fields, *, after, size):
    """The first row of the failed batch that no key can read (for the error message)."""
    pks = model._base_manager.order_by("pk")
    if after is not None:
        pks = pks.filter(pk__gt=after)
    for pk in pks.values_list("pk", flat=True)[:size]:
        try:
            model._base_manager.only(*(f.name for f in fields)).get(pk=pk)
        except UndecryptableValue:
            return pk
    return "?"


class Command(BaseCommand):
    help = ("Re-encrypt every encrypted field under the newest key of FIELD_ENCRYPTION_KEYS (put the new key "
            "first, run this, then drop the old key). --check only counts rows still under older keys.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")
        parser.add_argument("--check", action="store_true",
                            help="Change nothing; count rows still under an older key and fail if there are any.")
        add_progress_argument(parser)

    def handle(self, *args, batch_size=500, check=False, no_progress=False, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        # Without a bar (--no-progress, or not a terminal) each model still leaves one line with its figures.
        self.bar = ProgressBar(self.stdout, tty=self.stdout.isatty() and not no_progress, indent="  ",
                               label_width=34)
        fernet = newest_fernet()
        started = time.monotonic()
        models = encrypted_models()
        total_stale = total_rows = 0
        verb = "Checking" if check else "Re-encrypting"
        self.stdout.write(self.style.MIGRATE_HEADING(
            f"{verb} {len(models)} models with encrypted fields under the newest of "
            f"{len(settings.FIELD_ENCRYPTION_KEY)} key(s):"))
        for model, fields in models:
            rows, stale = self._model(model, fields, fernet=fernet, batch_size=batch_size, check=check)
            total_rows += rows
            total_stale += stale
        elapsed = time.monotonic() - started
        if check:
            if total_stale:
                raise CommandError(f"{total_stale} of {total_rows} rows still hold values under an older key: "
                                   "run rotate_encryption_keys before dropping it.")
            self.stdout.write(self.style.SUCCESS(
                f"All {total_rows} rows are under the newest key: older keys may be dropped."))
            return
        self.stdout.write(self.style.SUCCESS(
            f"Re-encrypted {total_stale} of {total_rows} rows in {elapsed:.1f} s; the rest were already under "
            "the newest key. Check with --check, then drop the old key."))

    def _model(self, model, fields, *, fernet, batch_size, check) -> tuple[int, int]:
        label = model._meta.label
        total = model._base_manager.count()
        done = stale_rows = 0
        after = None
        if total:
            self.bar(label, done, total)
        while True:
            try:
                with transaction.atomic():
                    batch = _batch(model, fields, after=after, size=batch_size, lock=not check)
                    for obj in batch:
                        stale = [f.name for f in fields
                                 if not under_newest_key(getattr(obj, RAW + f.attname), fernet)]
                        if stale:
                            stale_rows += 1
                            if not check:
                                obj.save(update_fields=stale)
            except UndecryptableValue:
                self.stdout.write("")
                raise CommandError(
                    f"{label}: row pk={_unreadable_pk(model, fields, after=after, size=batch_size)} cannot be "
                    "decrypted with any key in FIELD_ENCRYPTION_KEYS. Put the key it was written with back into "
                    "the list (after the new one) and run again: rows before it are done, nothing from it on changed."
                ) from None
            if not batch:
                break
            after = batch[-1].pk
            done += len(batch)
            if done < total:
                self.bar(label, done, total)
        self.bar.finish(label, done, max(total, done), note=f"{stale_rows} {'old' if check else 're-encrypted'}")
        return done, stale_rows
