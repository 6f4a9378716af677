"""Writes of the complaints app, split by concern; import from here: `from complaints import services`.

- intake: references, deadlines, recording a complaint (any source, an inquiry), edits, evidence, text reveals
- handling: hand-over, acknowledgement, investigation, notes, extensions, legal escalation, the daily deadline sweep
- decisions: the decision and its waiver request, the decision letter, closing, reopening, satisfaction
- callbacks: the callback visit scheduled at closing and its one write path
- notices: letters and the SMS / e-mail notices; incidents: incidents, mass complaints, plans, drills;
  suggestions: suggestions and improvement actions
"""

from complaints.services.callbacks import *  # noqa: F401,F403
from complaints.services.common import *  # noqa: F401,F403
from complaints.services.decisions import *  # noqa: F401,F403
from complaints.services.handling import *  # noqa: F401,F403
from complaints.services.incidents import *  # noqa: F401,F403
from complaints.services.intake import *  # noqa: F401,F403
from complaints.services.notices import *  # noqa: F401,F403
from complaints.services.suggestions import *  # noqa: F401,F403
