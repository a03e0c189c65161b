"""The composition on top of the apps: root URLs, the admin site and its dashboard, the public
pages and their cache. It may use every app; no app imports it (import-linter keeps it so).
"""
