"""The web console, the public pages and the API (FastAPI, server-rendered Jinja2)."""
