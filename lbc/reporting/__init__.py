"""Output helpers shared by every app: the CJK font (``fonts``), PDF building with the report protocol
(``pdf``), chart set-up (``charts``) and the small-cell suppression rule (``suppression``)."""
