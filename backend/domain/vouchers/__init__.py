"""Voucher Center: OEM vouchers, their batches and their conversion into licenses."""
