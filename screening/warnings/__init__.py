"""Early warnings: the state machine (``state``), the checks before closing (``closing``), the user
actions (``actions``), raising warnings from screenings (``raising``), messages and per-county rules
(``notices``), the escalation job (``escalation``), deadlines, rescreens and interventions."""
