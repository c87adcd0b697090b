"""PDF reports of screening: each a class with the ``lbc.reporting.pdf.Report`` protocol."""
