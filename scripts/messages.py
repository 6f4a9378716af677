#!/usr/bin/env python
"""Extract translatable strings of one app (its code and templates/<app>/) into <app>/locale/zh_Hans/.

    .venv/bin/python scripts/messages.py loans        # then fill msgstr in loans/locale/zh_Hans/LC_MESSAGES/django.po
    .venv/bin/python scripts/messages.py project      # aftersales/ + the shared templates into locale/

Needs GNU gettext (xgettext) on the developer machine only; `manage.py compile_translations` needs nothing.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_TEMPLATE_DIRS = ["includes", "registration", "aftersales"]
SHARED_TEMPLATE_FILES = ["base.html", "403.html", "404.html", "500.html", "503.html", "429.html"]


def main(app: str) -> None:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "LANGUAGE": "en",
        "DJANGO_SETTINGS_MODULE": "aftersales.settings",
        "PYTHONPATH": str(ROOT),
    }
    python = str(ROOT / ".venv" / "bin" / "python")
    if app == "project":
        workdir = ROOT / "_messages_project"
        workdir.mkdir(exist_ok=True)
        links = [(workdir / "aftersales", ROOT / "aftersales")]
        links += [(workdir / f"tpl_{d}", ROOT / "templates" / d) for d in SHARED_TEMPLATE_DIRS]
        (workdir / "tpl").mkdir(exist_ok=True)
        links += [(workdir / "tpl" / f, ROOT / "templates" / f) for f in SHARED_TEMPLATE_FILES]
        if not (workdir / "locale").exists():
            (workdir / "locale").symlink_to(ROOT / "locale")
        extra = [workdir / "locale"]
    else:
        workdir = ROOT / app
        (workdir / "locale" / "zh_Hans" / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
        links = [(workdir / "_templates", ROOT / "templates" / app)]
        extra = []
        env["I18N_APP_EXTRACT"] = "1"
    made = []
    try:
        for link, target in links:
            if target.exists() and not link.exists():
                link.symlink_to(target)
                made.append(link)
        subprocess.run(
            [
                python,
                str(ROOT / "manage.py"),
                "makemessages",
                "-l",
                "zh_Hans",
                "--symlinks",
                "--no-obsolete",
                "--ignore=locale/*",
                "--ignore=migrations/*",
            ],
            cwd=workdir,
            env=env,
            check=True,
        )
    finally:
        for link in made:
            link.unlink()
        for path in extra:
            if path.is_symlink():
                path.unlink()
        if app == "project":
            for sub in sorted(workdir.rglob("*"), reverse=True):
                sub.rmdir() if sub.is_dir() else sub.unlink()
            workdir.rmdir()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "project")
