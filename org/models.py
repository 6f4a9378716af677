"""Who works here: departments, teams and each staff member's profile (role, team, duty, language).

The bottom layer of the portal (docs/ARCHITECTURE.md): it depends on Django's users only, and every app may read it.
These models were first created by the staff app; they keep its table names (`staff_department`, `staff_team`,
`staff_staffprofile`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """An organisational unit; inquiries escalate to departments (risk, legal, finance)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    escalation_hours = models.PositiveSmallIntegerField(_("escalation deadline (hours)"), default=24)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        db_table = "staff_department"

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team inside a department, led by a supervisor."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_teams",
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        db_table = "staff_team"

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """A staff member's role, place in the organisation and duty status."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Customer-service agent")
        RISK_ASSESSOR = "risk_assessor", _("Risk assessor")
        LEGAL_ADVISOR = "legal_advisor", _("Legal advisor")
        SUPERVISOR = "supervisor", _("Supervisor")
        MANAGER = "manager", _("Manager")
        BACK_OFFICE = "back_office", _("Back office")
        FINANCE = "finance", _("Finance")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    work_phone = models.CharField(_("work phone"), max_length=32, blank=True)
    on_duty = models.BooleanField(_("on duty"), default=False)
    on_duty_since = models.DateTimeField(_("on duty since"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans", blank=True)
    infosec_training_due = models.DateField(
        _("information-security training due"),
        null=True,
        blank=True,
        help_text=_("Set a year after each information-security training attended."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        ordering = ["user__username"]
        db_table = "staff_staffprofile"
        indexes = [models.Index(fields=["role", "on_duty"], name="staff_role_duty_idx")]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()
