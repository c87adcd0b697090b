"""The demo county's screening data: synthetic answers, campaigns, warnings and responders.

TEMPORARY re-export for ``lbc/demo/seed.py`` and ``lbc/management/commands/demo.py`` (not edited on
this branch); delete after the merge, once they import ``screening.demo.screenings`` (or the hook).
"""

from screening.demo.screenings import seed_screenings, summary

__all__ = ["seed_screenings", "summary"]
