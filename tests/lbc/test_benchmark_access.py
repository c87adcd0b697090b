from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command


def test_it_prints_figures_for_scoped_and_granted_lists(db: None, settings: Any) -> None:
    settings.DEMO_MODE = True
    out = StringIO()
    call_command("benchmark_access", "--children", "300", "--repeat", "1", stdout=out)
    text = out.getvalue()
    assert "300 children" in text
    assert "scope of demo_township_supervisor" in text
    assert "grants via guardian get_objects_for_user" in text
    assert "/ region scope of the same township: page" in text


def test_it_refuses_a_database_that_already_holds_children(world: Any, settings: Any) -> None:
    settings.DEMO_MODE = True
    with pytest.raises(CommandError):
        call_command("benchmark_access", "--children", "10", stdout=StringIO())
