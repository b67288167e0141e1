"""API tokens: personal access tokens with scopes for scripts and integrations (api_tokens.py)."""
