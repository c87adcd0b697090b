"""Rows of the permission matrix, one module per area (ui, manage, api). See test_permission_matrix.py."""
