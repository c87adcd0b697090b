"""Jobs that run on a clock: ``manage.py run_periodic`` calls each in turn (a loop, or once from cron).

Each entry is the dotted path of a function ``job(now: datetime) -> int`` returning how many things
it handled. A job that raises is logged and the others still run; the next round retries it. The
satellites add their jobs to ``lbc.hooks.periodic_jobs`` from their ``AppConfig.ready()``; the core's
own run after them: the birthday jobs (``lbc.lifecycle``), the audit anchor, then delivery, last, so
messages queued this round go out now.
"""

from __future__ import annotations

from lbc import hooks

CORE_JOBS = [
    "lbc.lifecycle.age_out_children",
    "lbc.lifecycle.queue_consent_reminders",
    "lbc.roster.purge.purge_abandoned",
    "lbc.submissions.purge_expired",
    "lbc.audit_anchor.anchor_head",
    "lbc.notifications.deliver_due",
]


def jobs() -> list[str]:
    return [*hooks.periodic_jobs, *CORE_JOBS]
