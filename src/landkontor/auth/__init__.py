"""Users, roles, password hashing, tokens, login throttling and the FastAPI auth dependencies."""
