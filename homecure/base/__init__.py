"""The shared base every app may use; it imports no app (import-linter keeps it so).

Typed system settings, money, the audit writer and its change receivers, CSV cells, the admin
paginator, the request middleware, health probes and start-up checks.
"""
