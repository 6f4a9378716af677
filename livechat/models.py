"""A live chat (在线客服): the session around one inquiry of channel "chat". Its messages are the inquiry's thread."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.fields import EncryptedTextField
from inquiries.models import Category, Inquiry


class ChatSession(models.Model):
    """One customer's chat window: who started it (contact encrypted, found by hash, shown masked), its state,
    the agent talking, when the customer last had the window open, and the rating at the end."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for an agent")
        ACTIVE = "active", _("In conversation")
        ENDED = "ended", _("Ended")
        ABANDONED = "abandoned", _("Left: answer by SMS")

    inquiry = models.OneToOneField(
        Inquiry, verbose_name=_("inquiry"), on_delete=models.CASCADE, related_name="chat_session"
    )
    # The customer's key to the chat window and its socket (/chat/<token>/): random, never shown to staff.
    token = models.CharField(max_length=64, unique=True, editable=False)
    customer_name = models.CharField(_("name"), max_length=100)
    mobile = EncryptedTextField(_("mobile"), blank=True, default="")
    mobile_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    mobile_masked = models.CharField(_("mobile"), max_length=20, blank=True, editable=False)
    mobile_confirmed_at = models.DateTimeField(_("mobile confirmed"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=32, choices=Category.choices)
    language = models.CharField(_("language"), max_length=10, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.WAITING, db_index=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"), db_index=True)
    # Open chat windows of the customer (sockets) and when the last one closed: the abandon sweep reads both.
    customer_sockets = models.IntegerField(default=0, editable=False)
    customer_left_at = models.DateTimeField(_("customer window closed"), null=True, blank=True)
    last_customer_activity = models.DateTimeField(_("last customer activity"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="chat_rating_1_to_5",
            ),
        ]
        indexes = [
            # The abandon sweep: live chats whose window closed long enough ago.
            models.Index(
                fields=["customer_left_at"],
                name="chat_live_left_idx",
                condition=models.Q(state__in=["waiting", "active"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inquiry_id} {self.state}"

    @property
    def is_live(self) -> bool:
        """True while the customer may still be chatting (waiting or in conversation)."""
        return self.state in (self.State.WAITING, self.State.ACTIVE)
