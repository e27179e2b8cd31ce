"""The running service: resources wired from settings in the lifespan, the background start-up,
and the HTTP API (`service/api/`)."""
