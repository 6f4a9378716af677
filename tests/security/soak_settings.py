"""Settings for the processes of the soak test (tests/security/test_soak.py): the real embedded defaults.

The database (DATABASE_URL, a SQLite file), the broker folder (CELERY_BROKER_DIR) and the folder for the
beat lock (SOAK_VAR_DIR) come from the environment, so the soak runs beside a developer's `make run`.
"""

import os
from pathlib import Path

from aftersales.settings import *  # noqa: F403

VAR_DIR = Path(os.environ["SOAK_VAR_DIR"])
CELERY_IMPORTS = ["tests.security.soak"]
