"""Channel partners: delegations, the accounts a partner manages, key deliveries."""
