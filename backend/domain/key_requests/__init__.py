"""Key requests: every door to a key (Get a Key, Version Upgrade, re-host) and the one pipeline they share."""
