"""Accounts: users, roles, login, roster import."""
