"""The demo county's screening data: synthetic answers, campaigns, warnings and responders."""
