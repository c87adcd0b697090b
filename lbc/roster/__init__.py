"""Roster import (花名册导入): a school's class roster or the civil-affairs list of a county, from Excel/CSV.

``fields`` names what a roster may hold and the header labels each field goes by; ``staging`` reads an
upload in memory into encrypted staging rows and suggests a column mapping; ``checking`` reads every
cell of every row against the importer's schools, classes and villages; ``plan`` compares the rows with
the registry (new, changed, unchanged, excluded, missing); ``writing`` commits a plan with a bounded
number of statements; ``service`` ties these to a ``RosterImport`` and audits each step; ``template``
writes the pre-filled download; ``benchmark`` times a synthetic county.
"""
