"""Encrypted model fields that fail loudly instead of returning ciphertext.

django-encrypted-model-fields returns the stored token unchanged when no key can
decrypt it, and a later save would encrypt the token a second time (PITFALLS.md).
These subclasses raise instead, so a wrong key can never silently destroy data.
"""
import cryptography.fernet
from encrypted_model_fields import fields as emf

FERNET_PREFIX = "gAAAA"


class UndecryptableValue(Exception):
    """A stored value could not be decrypted with any configured key."""


def decrypt(token: str) -> str:
    try:
        return emf.decrypt_str(token)
    except cryptography.fernet.InvalidToken:
        raise UndecryptableValue(
            "A stored encrypted value cannot be decrypted with FIELD_ENCRYPTION_KEYS."
        ) from None


def encrypt(value: str) -> str:
    return emf.encrypt_str(value).decode("utf-8")


class _StrictMixin:
    def from_db_value(self, value, *args, **kwargs):
        if value is None or value == "":
            return value
        return super(emf.EncryptedMixin, self).to_python(decrypt(value))

    def to_python(self, value):
        # Values in Python are always plaintext; only from_db_value sees tokens.
        return super(emf.EncryptedMixin, self).to_python(value)

    def get_db_prep_save(self, value, connection):
        if value == "":
            return ""
        return super().get_db_prep_save(value, connection)


class EncryptedCharField(_StrictMixin, emf.EncryptedCharField):
    pass


class EncryptedTextField(_StrictMixin, emf.EncryptedTextField):
    pass


class EncryptedDateField(_StrictMixin, emf.EncryptedDateField):
    pass
