import pytest


@pytest.fixture(autouse=True)
def _fresh_template_cache():
    """Each test has its own steps and templates (ids are reused after a rollback)."""
    from reminders.services import texts

    texts._template_cache.clear()
    yield
    texts._template_cache.clear()
