"""The sign-in backend: Django's ModelBackend, reading the staff profile and roles with the user."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from aftersales import permissions as roles


class PortalModelBackend(ModelBackend):
    """ModelBackend whose per-request user load also reads the staff profile and the user's roles.

    Every page needs both (UserLanguageMiddleware and the layout read the profile, every view checks the
    roles): one query with a join and one EXISTS per role instead of three queries.
    """

    def get_user(self, user_id):
        user_model = get_user_model()
        memberships = user_model.groups.through.objects.filter(user_id=OuterRef("pk"))
        flags = {f"_has_role_{role}": Exists(memberships.filter(group__name=role)) for role in roles.ROLES}
        try:
            user = user_model._default_manager.select_related("staff_profile").annotate(**flags).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        user._portal_roles = frozenset(role for role in roles.ROLES if getattr(user, f"_has_role_{role}"))
        return user
