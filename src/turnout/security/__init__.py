"""Key encryption, password and token handling, roles, audit trail and log redaction."""
