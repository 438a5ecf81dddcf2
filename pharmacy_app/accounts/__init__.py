"""Accounts: users and their roles, sign-in, API tokens, pharmacy settings."""
