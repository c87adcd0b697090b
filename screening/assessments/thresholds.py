"""A county's tier thresholds: its stored overrides on top of the defaults of SCREENING.md section 2."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from screening.models import CountyThresholds
from screening.scoring.tiers import DEFAULT_THRESHOLDS, Thresholds


def thresholds_for(county_id: int) -> Thresholds:
    row = CountyThresholds.objects.filter(county_id=county_id).first()
    return thresholds_from(row.values) if row else DEFAULT_THRESHOLDS


def thresholds_from(values: Mapping[str, Any]) -> Thresholds:
    known = {f.name for f in dataclasses.fields(Thresholds)}
    return dataclasses.replace(DEFAULT_THRESHOLDS, **{k: int(v) for k, v in values.items() if k in known})
