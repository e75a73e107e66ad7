"""Customers' personal data: consent given or withdrawn, and erasure after the retention period."""
