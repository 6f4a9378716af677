"""Signal receivers: login audit, the beat side of the heartbeat and role permission sync.

Business writes never live here; these are framework hooks only.
"""

import logging

from celery.signals import beat_init, before_task_publish, worker_ready
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from aftersales.audit import audit_log

logger = logging.getLogger(__name__)


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs):
    audit_log(actor=user, action="login", obj=user, request=request)


@receiver(user_logged_out)
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_log(actor=user, action="logout", obj=user, request=request)


@receiver(user_login_failed)
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_log(action="login_failed", object_type="auth.user", object_repr=username, request=request)


@before_task_publish.connect
def _beat_heartbeat(sender=None, headers=None, **kwargs):
    # Beat publishes the heartbeat task every minute: record that beat is alive at publish time,
    # and the worker records its own heartbeat when it runs the task.
    if sender == "aftersales.tasks.heartbeat":
        from aftersales.services import heartbeat_record

        try:
            heartbeat_record(name="beat")
        except Exception:  # noqa: BLE001 — a health probe must never stop the publish, whatever it meets
            logger.warning("could not record the beat heartbeat", exc_info=True)


@receiver(post_migrate)
def _sync_roles(sender, **kwargs):
    # post_migrate is sent once per app, after that app's permissions exist: sync after the last app,
    # when every permission of every app is there.
    from django.apps import apps

    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender.label == with_models[-1].label:
        from aftersales.services import sync_role_permissions

        sync_role_permissions()


@worker_ready.connect
def _worker_started(**kwargs):
    from aftersales.services import heartbeat_record

    heartbeat_record(name="worker")  # healthy from the start, not only after the first minute


@beat_init.connect
def _beat_started(**kwargs):
    from aftersales.services import heartbeat_record

    heartbeat_record(name="beat")
