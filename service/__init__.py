"""The HTTP side of bookchat: settings, resources opened in the lifespan, and routes."""
