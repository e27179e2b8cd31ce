"""Pure factories for bookchat's LCEL chains.

No environment reads, no clients, no network at import.
"""
