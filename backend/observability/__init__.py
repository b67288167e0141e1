"""Operations: metrics (/metrics), structured logs with request ids, health (/healthz, /readyz)
and the answer while the database is away (decision record 0020)."""
