"""Accounts: login, logout, invitations, password reset and the profile page."""

from expertpool.auth.services import load_user

__all__ = ["load_user"]
