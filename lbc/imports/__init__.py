"""Reading spreadsheets that come from outside, for every import of the project.

``files`` checks an upload (extension, magic bytes, size, zip bomb, macros, encoding) before a
reader opens it; ``reading`` turns it into a table of typed cells (hidden rows and formula cells
marked); ``cells`` reads one cell into a value or a Chinese message; ``header`` checks a fixed
template header; ``report`` is the unit of every report (a problem with row, column and value);
``uploads`` caps an upload's size while it arrives; ``bulk`` inserts many rows with one statement.
Nothing here knows what is imported: the registry's roster and the screening answers build on it.
"""
