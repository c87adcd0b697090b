"""When a child moves (``lbc.hooks.child_moved``): open warnings follow the child, closed ones stay.

An open warning's responsible unit is recomputed as when it was raised (the child's school and that
school's township; the home township without a school) and, when it changed, the warning is handed to
the new unit with the ordinary transfer (state "transferred", back to the school level, the new
responders alerted through the outbox). The deadline is not moved: a move never buys time. Closed
warnings, assessments and their denormalised school keep the place where they happened (history).
"""

from __future__ import annotations

from lbc.hooks import ChildMove
from lbc.models import Region, School
from screening.models import Warning
from screening.warnings.actions import transfer_warning
from screening.warnings.state import OPEN_STATES

BECAUSE = "child_moved"


def follow_child(move: ChildMove) -> int:
    """Hand the child's open warnings to the unit now responsible; returns how many moved."""
    child = move.child
    moved = 0
    for warning in Warning.objects.filter(child=child, state__in=OPEN_STATES).select_related("child__school"):
        warning.child = child
        if child.school_id is not None:
            if warning.school_id == child.school_id:
                continue
            school = School.objects.get(pk=child.school_id)
            transfer_warning(warning, by=move.by, school=school, request=move.request, because=BECAUSE)
        else:
            if warning.school_id is None and warning.township_id == child.township_id:
                continue
            township = Region.objects.get(pk=child.township_id)
            transfer_warning(warning, by=move.by, township=township, request=move.request, because=BECAUSE)
        moved += 1
    return moved
