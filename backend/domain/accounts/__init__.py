"""Accounts: users and sign-in, members and invitations, license shares."""
