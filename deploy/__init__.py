"""`./dev deploy`: from a clone to a running Hugging Face Space, with a preflight first.

Layer of `ingest/`: may import config, clients and stores; never service or server. Importing
the package itself stays cheap (the image's start-up uses deploy.entrypoint).
"""
