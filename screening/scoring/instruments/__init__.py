"""The instrument registry, keyed by (code, version).

A stored screening keeps its instrument code and version, so history is always re-scored
with the definition it was answered on. New wording or keys mean a new version, never an edit.
"""

from __future__ import annotations

from types import MappingProxyType

from django.utils.translation import gettext as _

from .asq import ASQ
from .base import Band, CriticalLevel, CriticalRule, Instrument, Item, Option, Scale
from .cesdc import CESDC
from .dsrsc import DSRSC
from .gad7 import GAD7
from .loneliness import LONELINESS
from .phq9 import PHQ9
from .scared import SCARED41
from .sdq import SDQ

__all__ = [
    "REGISTRY", "Band", "CriticalLevel", "CriticalRule", "Instrument", "Item", "Option", "Scale",
    "UnknownInstrument", "get_instrument", "latest_instruments",
]

REGISTRY: MappingProxyType[tuple[str, str], Instrument] = MappingProxyType(
    {(i.code, i.version): i for i in (PHQ9, GAD7, ASQ, CESDC, DSRSC, SCARED41, SDQ, LONELINESS)}
)


class UnknownInstrument(LookupError):
    """No definition for this code (and version); the message is for the person who typed it."""


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def get_instrument(code: str, version: str | None = None) -> Instrument:
    """The definition for code and version; without a version, the newest one."""
    wanted = code.strip().upper()
    versions = [i for (c, _v), i in REGISTRY.items() if c == wanted]
    if not versions:
        raise UnknownInstrument(_("未知的量表：%(code)s") % {"code": code})
    if version is None:
        return max(versions, key=lambda i: _version_key(i.version))
    match = next((i for i in versions if i.version == str(version)), None)
    if match is None:
        message = _("量表 %(code)s 没有版本 %(version)s") % {"code": wanted, "version": version}
        raise UnknownInstrument(message)
    return match


def latest_instruments() -> tuple[Instrument, ...]:
    """The newest version of every instrument, in registry order."""
    codes = dict.fromkeys(c for c, _v in REGISTRY)
    return tuple(get_instrument(c) for c in codes)
