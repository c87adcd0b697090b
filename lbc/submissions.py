"""One-time submission tokens: a creating form posted twice (a double click, a resent request, two
tabs) creates one object; the second post is answered with the first one's page.

The form carries a random token (``SubmissionField``, rendered hidden). The view claims the token in
the same transaction that creates the object (``claim`` ... ``created``): the unique token column makes a
concurrent second post wait for the first transaction and then fail, so it can never create a second
object; it then finds what the first created (``AlreadySubmitted.created``). A post that fails (a
refused consent, a wrong field) rolls back with its claim, so the corrected form can be posted again
with the same token. A post without a token (not sent by the form) is handled without this guard.
Tokens are deleted after ``RETENTION`` by a periodic job.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lbc.models import FormSubmission
from lbc.services.errors import DomainError

RETENTION = dt.timedelta(days=2)
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class AlreadySubmitted(Exception):
    """This form was posted before; ``created`` is the public id of what that post created."""

    def __init__(self, created: uuid.UUID) -> None:
        super().__init__(str(created))
        self.created = created


def new_token() -> str:
    return secrets.token_urlsafe(24)


class SubmissionField(forms.CharField):
    """The hidden one-time token of a creating form; a fresh one each time the empty form is shown."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, widget=forms.HiddenInput(), initial=new_token, **kwargs)


def claim(token: str, user: Any, form: str) -> None:
    """Claim ``token`` inside the caller's transaction; raise AlreadySubmitted when it was used before.

    Call it first in the transaction that creates the object, then ``created`` with its public id.
    """
    if not token:
        return
    if not TOKEN.match(token):  # not what the form sent: said on the form, every value kept
        raise DomainError(expired_message())
    try:
        with transaction.atomic():  # a savepoint: the failed insert leaves the outer transaction usable
            FormSubmission.objects.create(token=token, user=user, form=form)
    except IntegrityError:
        earlier = FormSubmission.objects.filter(token=token).first()
        if earlier is None or earlier.user_id != user.pk or earlier.form != form or earlier.created is None:
            raise DomainError(expired_message()) from None
        raise AlreadySubmitted(earlier.created) from None


def expired_message() -> str:
    return _("页面已过期，请刷新页面后重新填写。")


def created(token: str, public_id: uuid.UUID) -> None:
    if token:
        FormSubmission.objects.filter(token=token).update(created=public_id)


def purge_expired(now: dt.datetime) -> int:
    """Periodic job: forget tokens older than RETENTION; returns how many."""
    count, _deleted = FormSubmission.objects.filter(created_at__lt=now - RETENTION).delete()
    return count
