"""Allocation of open warnings to counsellors and volunteers: a pure solver (no database) and the
service that gathers its inputs and confirms a proposal."""
