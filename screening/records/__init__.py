"""What the records pages show beyond rows: a campaign's summary tables and a child's score chart."""
