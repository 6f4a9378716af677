"""The public satisfaction-survey page (no login): one answer per link, in the customer's language."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from staff import surveys
from staff.forms import SurveyAnswerForm
from staff.models import Survey


@never_cache
@csrf_protect
def survey(request, token: str):
    found = Survey.objects.filter(token=token).first()
    language = found.language if found else translation.get_language()
    with translation.override(language):
        if found is None:
            return render(request, "staff/survey_closed.html", {"reason": "unknown"}, status=404)
        state = surveys.survey_state(found)
        if state != "open":
            return render(request, "staff/survey_closed.html", {"reason": state, "survey": found}, status=410)
        form = SurveyAnswerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                surveys.survey_answer(
                    token=token, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
                )
            except surveys.SurveyClosed:
                return render(request, "staff/survey_closed.html", {"reason": "answered", "survey": found}, status=410)
            return render(request, "staff/survey_thanks.html", {"survey": found})
        response = render(request, "staff/survey.html", {"form": form, "survey": found})
        response.headers["Content-Language"] = language
        return response
