"""Training writes and the row-to-rule glue: scheduling sessions (``sessions``) and bookings."""
