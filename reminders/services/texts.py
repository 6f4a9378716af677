"""The text of a reminder: the step's template in the customer's language (cached briefly per worker)."""

from __future__ import annotations

import time

from messaging.api import body_hash
from reminders import templating
from reminders.models import MessageTemplate, Reminder


def _body_hash(body: str) -> str:
    return body_hash(body)  # messaging's: the same text counted the same way whoever sends it


# Step templates change rarely (admin); a worker keeps them this long instead of reading them per message.
TEMPLATE_CACHE_SECONDS = 30


_template_cache: dict[int, tuple[float, dict]] = {}


def _step_templates(step_id: int) -> dict:
    now = time.monotonic()
    cached = _template_cache.get(step_id)
    if cached is None or now - cached[0] > TEMPLATE_CACHE_SECONDS:
        cached = (now, {t.language: t for t in MessageTemplate.objects.filter(step_id=step_id)})
        _template_cache[step_id] = cached
    return cached[1]


def _template_for(reminder: Reminder, language: str):
    """(body, provider template code) for the step in the customer's language, else the other, else the default."""
    templates = _step_templates(reminder.step_id) if reminder.step_id else {}
    template = templates.get(language) or next(iter(templates.values()), None)
    if template is not None:
        return template.body, template.provider_template_code
    return templating.DEFAULT_BODIES.get(language, templating.DEFAULT_BODIES["zh-hans"]), ""
