from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from staff import kpi as kpis
from staff.models import GradeBand, TrainingSession
from staff.reviews import validate_bands, validate_weights

# Ids are bounded so that a 20-digit value is refused by the form, never by the database (SQLite: 64 bits).
MAX_ID = 2**31 - 1


def bounded_id(label, **kwargs) -> forms.IntegerField:
    """An optional id parameter (a team, a staff member, a notification)."""
    return forms.IntegerField(label=label, required=False, min_value=1, max_value=MAX_ID, **kwargs)


class TrainingYearForm(forms.Form):
    """The year the training page is for; a bad value falls back to this year."""

    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def get_year(self) -> int:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("year") or timezone.localdate().year


class ReviewMonthForm(forms.Form):
    """The month of the performance reviews, as 2026-10 (years 2000 to 2100)."""

    month = forms.RegexField(label=_("Month"), regex=r"^\d{4}-\d{2}$", required=False)

    def clean_month(self) -> dt.date | None:
        raw = self.cleaned_data["month"]
        if not raw:
            return None
        year, month = (int(part) for part in raw.split("-"))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise forms.ValidationError(_("Give a month between 2000-01 and 2100-12."))
        return dt.date(year, month, 1)


class RecordsForm(forms.Form):
    """Whose records behind a figure: one staff member or a team (ids), and the outcome shown."""

    staff = bounded_id(_("Staff member"))
    team = bounded_id(_("Team"))
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=30)

    def value(self, name: str):
        data = self.cleaned_data if self.is_valid() else {}
        return data.get(name)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows whose ids are checked as numbers in range before the database is asked."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            if not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text}
                )
        return super()._check_values(value)


class PeriodForm(forms.Form):
    """The period (and for managers the team) the figures are for; invalid input falls back to this month."""

    KINDS = [
        ("day", pgettext_lazy("period", "Day")),
        ("week", _("Week")),
        ("month", _("Month")),
        ("custom", _("Custom range")),
    ]
    period = forms.ChoiceField(label=_("Period"), choices=KINDS, required=False)
    date = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    trend = forms.ChoiceField(
        label=_("Trend by"), choices=[("day", pgettext_lazy("period", "Day")), ("week", _("Week"))], required=False
    )
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    # dates before 1900 or after 2100 have no KPIs and would overflow the period arithmetic at the edges
    MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)

    MAX_DAYS = 366

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        if teams is None:
            del self.fields["team"]
        else:
            self.fields["team"].choices = [("", _("All teams"))] + [(t.pk, t.name) for t in teams]

    def clean(self):
        data = super().clean()
        for name in ("date", "start", "end"):
            value = data.get(name)
            if value and not self.MIN_DATE <= value <= self.MAX_DATE:
                self.add_error(name, _("Choose a date between 1900 and 2100."))
                data.pop(name, None)
        if data.get("period") == "custom":
            if not data.get("start") or not data.get("end"):
                raise forms.ValidationError(_("Give both dates of a custom range."))
            if abs((data["end"] - data["start"]).days) >= self.MAX_DAYS:
                raise forms.ValidationError(_("A custom range can span at most a year."))
        return data

    def get_period(self) -> kpis.Period:
        data = self.cleaned_data if self.is_valid() else {}
        anchor = data.get("date") or timezone.localdate()
        kind = data.get("period") or "month"
        if kind == "day":
            return kpis.Period.day(anchor)
        if kind == "week":
            return kpis.Period.week(anchor)
        if kind == "custom":
            return kpis.Period.custom(data["start"], data["end"])
        return kpis.Period.month(anchor)

    def get_trend(self) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("trend"):
            return data["trend"]
        return "day" if self.get_period().days <= 45 else "week"

    def get_team(self) -> int | None:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("team")


class ScoringForm(forms.Form):
    """KPI weights (sum 100%) and grade bands A–D with pay coefficients."""

    def __init__(self, *args, weights=None, bands=None, **kwargs):
        super().__init__(*args, **kwargs)
        weights = weights or {}
        bands = bands or {}
        for kpi in kpis.SCOREABLE:
            self.fields[f"w_{kpi.code}"] = forms.DecimalField(
                label=kpi.label,
                min_value=0,
                max_value=100,
                decimal_places=2,
                initial=weights.get(kpi.code, 0),
                help_text=kpi.definition,
            )
        for grade in GradeBand.Grade.values:
            minimum, coefficient = bands.get(grade, (None, None))
            self.fields[f"min_{grade}"] = forms.DecimalField(
                label=_("Grade %(grade)s from score") % {"grade": grade},
                min_value=0,
                max_value=100,
                decimal_places=2,
                initial=minimum,
            )
            self.fields[f"coef_{grade}"] = forms.DecimalField(
                label=_("Grade %(grade)s pay coefficient") % {"grade": grade},
                min_value=0,
                max_digits=4,
                decimal_places=2,
                initial=coefficient,
            )

    def weight_fields(self):
        return [self[f"w_{k.code}"] for k in kpis.SCOREABLE]

    def band_fields(self):
        return [(g, self[f"min_{g}"], self[f"coef_{g}"]) for g in GradeBand.Grade.values]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        weights = {k.code: data[f"w_{k.code}"] for k in kpis.SCOREABLE}
        bands = {g: (data[f"min_{g}"], data[f"coef_{g}"]) for g in GradeBand.Grade.values}
        validate_weights(weights)
        validate_bands(bands)
        data["weights"] = weights
        data["bands"] = bands
        return data


class ReviewCommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Supervisor's comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class QaScorecardForm(forms.Form):
    accuracy = forms.IntegerField(
        label=_("Accuracy"), min_value=0, max_value=100, help_text=_("Were the information and the solution correct?")
    )
    attitude = forms.IntegerField(
        label=_("Attitude"), min_value=0, max_value=100, help_text=_("Courteous, patient, respectful?")
    )
    compliance = forms.IntegerField(
        label=_("Compliance"),
        min_value=0,
        max_value=100,
        help_text=_("Identity checks, disclosures, no forbidden wording or PII leaks?"),
    )
    timeliness = forms.IntegerField(
        label=_("Timeliness"), min_value=0, max_value=100, help_text=_("Answered and closed within the deadlines?")
    )
    comments = forms.CharField(
        label=_("Comments"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )


class CallbackOutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    customer_satisfied = forms.TypedChoiceField(
        label=_("Customer satisfied"), choices=[("1", _("Yes")), ("0", _("No"))], coerce=lambda v: v == "1"
    )


class SurveyAnswerForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with how we handled your request?"),
        choices=[(str(i), str(i)) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class TrainingSessionForm(forms.ModelForm):
    attendees = BoundedModelMultipleChoiceField(
        label=_("Attendees"), queryset=get_user_model().objects.none(), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = TrainingSession
        fields = ["title", "topic", "held_on", "hours", "trainer"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, attendee_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if attendee_queryset is not None:
            self.fields["attendees"].queryset = attendee_queryset
        self.fields["attendees"].label_from_instance = lambda u: u.get_full_name() or u.get_username()

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate() + timedelta(days=366):
            raise forms.ValidationError(_("Date too far in the future."))
        return held_on

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if hours <= Decimal(0) or hours > Decimal(24):
            raise forms.ValidationError(_("Hours must be more than 0 and at most 24."))
        return hours
