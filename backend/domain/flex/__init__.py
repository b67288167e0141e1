"""Enterprise Flexible: contracts with committed points and a catalog, drawn down as licenses."""
