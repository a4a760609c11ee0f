"""The integrations pages, for an organisation's administrators: its API keys (keys.py) and its webhook endpoints
(webhooks.py)."""
