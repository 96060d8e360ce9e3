"""Turnout: the LLM integration service of a data-annotation platform."""
