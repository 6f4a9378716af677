from django.conf import settings
from django.core.validators import EmailValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers import validators
from customers.fields import EncryptedTextField


class Customer(models.Model):
    """A credit customer. PII columns hold ciphertext; *_hash columns allow exact search."""

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", _("Simplified Chinese")
        EN = "en", _("English")

    customer_number = models.CharField(_("customer number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    national_id = EncryptedTextField(_("national ID number"), validators=[validators.validate_resident_id])
    national_id_hash = models.CharField(max_length=64, unique=True, editable=False)
    mobile = EncryptedTextField(_("mobile"), validators=[validators.validate_mainland_mobile])
    mobile_hash = models.CharField(max_length=64, db_index=True, editable=False)
    email = EncryptedTextField(_("email"), blank=True, default="", validators=[EmailValidator()])
    email_hash = models.CharField(max_length=64, db_index=True, blank=True, default="", editable=False)
    address = EncryptedTextField(_("address"), blank=True, default="")
    bank_card = EncryptedTextField(
        _("bank card number"), blank=True, default="", validators=[validators.validate_bank_card]
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    sms_opt_out = models.BooleanField(_("SMS opt-out"), default=False)
    voice_opt_out = models.BooleanField(_("voice call opt-out"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]
        permissions = [("view_full_pii", _("Can reveal full personal information (with a reason)"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_number})"

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def national_id_masked(self) -> str:
        return validators.mask_national_id(self.national_id)

    @property
    def mobile_masked(self) -> str:
        return validators.mask_mobile(self.mobile)

    @property
    def email_masked(self) -> str:
        return validators.mask_email(self.email)

    @property
    def bank_card_masked(self) -> str:
        return validators.mask_card(self.bank_card)

    @property
    def address_masked(self) -> str:
        return validators.mask_address(self.address)


class ConsentRecord(models.Model):
    """A grant or withdrawal of consent to use the customer's data for a purpose (marketing)."""

    class Purpose(models.TextChoices):
        MARKETING = "marketing", _("Marketing")
        DATA_SHARING = "data_sharing", _("Sharing with partners")

    class Channel(models.TextChoices):
        CONTRACT = "contract", _("Signed with the contract")
        HOTLINE = "hotline", _("Hotline (recorded call)")
        ONLINE = "online", _("Online form")
        SMS = "sms", _("SMS reply")
        IN_PERSON = "in_person", _("In person")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices, default=Purpose.MARKETING)
    granted = models.BooleanField(_("granted"))
    recorded_at = models.DateTimeField(_("recorded at"))
    channel = models.CharField(_("how"), max_length=32, choices=Channel.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose} {'+' if self.granted else '-'}"
