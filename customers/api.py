"""What other apps may use of the customers app besides its models, selectors and services.

The PII helpers every channel needs: lookup hashes, masking, mainland-mobile normalisation and the masking of ID and
bank-card numbers typed as free text. Import them from here, never from `customers.crypto`, `customers.validators`
or `customers.freetext` directly (the import-boundary test in tests/test_architecture.py enforces it).
"""

from customers.crypto import decrypt, pii_hash
from customers.freetext import text_protect, text_protect_update
from customers.validators import mask_email, mask_mobile, mask_national_id, normalize_mainland_mobile

__all__ = [
    "decrypt",
    "mask_email",
    "mask_mobile",
    "mask_national_id",
    "normalize_mainland_mobile",
    "pii_hash",
    "text_protect",
    "text_protect_update",
]
