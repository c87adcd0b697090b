"""Jobs that run on a clock: ``manage.py run_periodic`` calls each in turn (a loop, or once from cron).

Each entry is the dotted path of a function ``job(now: datetime) -> int`` returning how many things
it handled. A job that raises is logged and the others still run; the next round retries it.
"""

from __future__ import annotations

# Insert new jobs above the last line: delivery runs last so messages queued this round go out now.
JOBS: list[str] = [
    "screening.warnings.escalation.escalate_due",
    "screening.imports.purge.purge_abandoned",
    "training.reminders.queue_due",
    "screening.allocation.service.end_finished_companionships",
    "lbc.audit_anchor.anchor_head",
    "lbc.notifications.deliver_due",
]
