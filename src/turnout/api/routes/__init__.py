"""One router per resource; `all_routers()` lists them for the app factory."""
