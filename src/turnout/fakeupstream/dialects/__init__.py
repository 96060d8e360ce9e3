"""Reply bodies per wire dialect, as pure functions from a request's facts to JSON-able dicts."""
