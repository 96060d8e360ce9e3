"""HTTP layer: FastAPI routers, dependencies and the one error handler. Nothing imports api/."""
