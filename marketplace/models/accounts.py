"""Marketplace models. Workflows live in services/, reads in selectors.py."""
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import blind_index
from core.fields import EncryptedCharField
from core.pii import mask_phone

PHONE_INDEX_PURPOSE = "user.phone"


def phone_index(e164: str) -> str:
    return blind_index(e164, purpose=PHONE_INDEX_PURPOSE)


class FangxinUserManager(UserManager):
    def get_by_phone(self, e164: str):
        return self.get(phone_index=phone_index(e164))


class User(AbstractUser):
    """Everybody: buyers, merchants (a user who opened a shop) and staff.

    Phone and real name are encrypted; the phone is found through a blind index.
    Use ``marketplace.services.accounts.user_set_phone`` so the index stays in step.
    """

    phone = EncryptedCharField(_("mobile phone"), max_length=32, blank=True, default="")
    phone_index = models.CharField(_("phone index"), max_length=64, blank=True, null=True, unique=True, editable=False)
    real_name = EncryptedCharField(_("real name"), max_length=100, blank=True, default="")

    objects = FangxinUserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def save(self, *args, **kwargs):
        self.phone_index = phone_index(self.phone) if self.phone else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_index"}
        super().save(*args, **kwargs)
