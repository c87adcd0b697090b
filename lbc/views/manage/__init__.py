"""County administrator pages (/manage/): regions, schools and classes, accounts and memberships.

Every view first passes ``access.require_administrator`` (403 for other roles) and fetches objects
only through the county-scoped querysets of lbc/access.py (404 outside the county).
"""
