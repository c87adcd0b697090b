"""Whole-grade import of screening answers from Excel/CSV.

The path of a file: ``files`` checks the upload (extension, magic bytes, size, zip bomb, macros,
encoding) before anything is stored; ``reading`` turns it into a table of typed cells; ``validation``
checks every cell, matches every row to a registered child and reports every problem; ``scoring``
scores the importable rows with the NumPy batch scorer and the tier rules of ``record_assessment``;
``commit`` writes them in one transaction. ``batches`` ties these to an ``ImportBatch`` and its
background ``tasks``.
"""
