"""Trends: the statistics (pure: standardised rates, shrinkage, funnel limits, EWMA), the records they
read, the tables and specs the pages show, and the charts drawn from those specs."""
