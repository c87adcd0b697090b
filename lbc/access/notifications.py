"""A user's own notifications: nobody reads the messages addressed to someone else."""

from __future__ import annotations

from django.db.models import QuerySet

from lbc.access.scope import UserLike
from lbc.models import OutboxMessage


def notifications_for(user: UserLike) -> QuerySet[OutboxMessage]:
    if not user.is_authenticated:
        return OutboxMessage.objects.none()
    return OutboxMessage.objects.filter(user_id=user.pk)
