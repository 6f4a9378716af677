"""Writes of the complaints app, split by topic; import from here."""

from complaints.services.complaints import *  # noqa: F401,F403
from complaints.services.incidents import *  # noqa: F401,F403
from complaints.services.notices import *  # noqa: F401,F403
from complaints.services.suggestions import *  # noqa: F401,F403
