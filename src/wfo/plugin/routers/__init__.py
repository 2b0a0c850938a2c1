"""One router per resource of the wfo API."""
