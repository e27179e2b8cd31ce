"""The HTTP surface: routes, middleware, limits, metrics, logs and the error shapes."""
