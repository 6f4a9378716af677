import pytest


@pytest.fixture(autouse=True)
def _fresh_template_cache():
    """Each test has its own steps and templates (ids are reused after a rollback)."""
    from reminders.services import texts

    texts._template_cache.clear()
    yield
    texts._template_cache.clear()


@pytest.fixture
def daytime():
    """Today at 12:00 in Shanghai, the clock running: tests of sending that are not about time run inside the contact
    window (the contact policy holds proactive messages in the quiet hours), whenever the suite runs."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    import time_machine

    shanghai = ZoneInfo("Asia/Shanghai")
    noon = datetime.combine(datetime.now(shanghai).date(), time(12, 0), tzinfo=shanghai)
    with time_machine.travel(noon, tick=True):
        yield noon
