"""The HTTP API: app factory, problem responses, middleware, health and router registration."""
