"""FileConnect: releases, their files, where the bytes are stored and the signed links that serve them."""
