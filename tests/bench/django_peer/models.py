"""The user model django-scim2's default user adapter maps (its SCIM id, userName, externalId)."""

from django.contrib.auth.models import AbstractUser
from django_scim.models import AbstractSCIMUserMixin


class User(AbstractSCIMUserMixin, AbstractUser):
    @property
    def scim_groups(self):  # type: ignore[override]
        """The user's Django groups (the bench creates none)."""
        return self.groups
