"""The admin console: a single-page app built from frontend/ into `dist/`, served at `/`."""
