"""Reports over the accounts a caller may see (one account, or every customer account a partner
manages): licenses by product and status, maintenance ending by month, keys issued per day and per
kind of request, activations per product, and the portfolio of accounts — each one GROUP BY
statement (decision record 0022)."""
