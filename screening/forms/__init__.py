"""Forms of the screening pages: campaigns, paper entry and self-report, interventions."""
