"""Per-tenant provider configurations, routing and the model registry, plus their live cache."""
