"""Account services: registration and profile changes."""
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import errors
from core.errors import DomainError
from core.pii import InvalidPhone, normalize_phone
from marketplace import errors as mp_errors
from marketplace.models import phone_index


def _clean_phone(raw) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise DomainError(errors.VALIDATION_ERROR, str(exc), fields={"phone": [str(exc)]}) from None


def _ensure_phone_free(e164: str, *, exclude_pk=None) -> None:
    User = get_user_model()
    taken = User.objects.filter(phone_index=phone_index(e164)).exclude(pk=exclude_pk).exists()
    if taken:
        raise DomainError(mp_errors.PHONE_TAKEN, _("This phone number is already registered."),
                          fields={"phone": [_("This phone number is already registered.")]})


@transaction.atomic
def user_register(*, username: str, password: str, email: str = "", phone: str):
    User = get_user_model()
    e164 = _clean_phone(phone)
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(mp_errors.USERNAME_TAKEN, _("This username is taken."),
                          fields={"username": [_("This username is taken.")]})
    _ensure_phone_free(e164)
    user = User(username=username, email=email, phone=e164)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(errors.VALIDATION_ERROR, _("Choose a stronger password."),
                          fields={"password": list(exc.messages)}) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise DomainError(mp_errors.USERNAME_TAKEN, _("This username or phone is taken.")) from None
    return user


@transaction.atomic
def user_update_profile(*, actor, user, **changes):
    """Change the profile fields a user may edit themselves."""
    if actor.pk != user.pk and not actor.is_staff:
        raise DomainError(errors.PERMISSION_DENIED, _("You cannot edit this profile."))
    fields = []
    if "phone" in changes:
        e164 = _clean_phone(changes["phone"])
        _ensure_phone_free(e164, exclude_pk=user.pk)
        user.phone = e164
        fields.append("phone")
    for name in ("email", "first_name", "last_name"):
        if name in changes:
            setattr(user, name, changes[name])
            fields.append(name)
    if fields:
        user.save(update_fields=fields)
    return user
