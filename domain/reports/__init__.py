"""Reports: the figures of a period beside the previous one, contract compliance, charts."""
