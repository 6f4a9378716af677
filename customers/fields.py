from django.db import models

from customers import crypto


class Ciphertext(str):
    """A value that is already a Fernet token (bulk loaders encrypt in parallel): stored as it is."""


class EncryptedTextField(models.TextField):
    """A text field stored encrypted (Fernet); the model attribute holds the plain value.

    Lookups on it cannot work (the ciphertext is randomised): search through the matching *_hash field.
    """

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        if isinstance(value, Ciphertext):
            return str(value)
        value = super().get_prep_value(value)
        if value is None:
            return value
        return crypto.encrypt(value)
