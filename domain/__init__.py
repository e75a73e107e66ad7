"""Kefu's business, one package per noun: desk (topics, card, ticket lifecycle, staff), sla,
surveys, campaigns, rules, privacy. Each holds its rules, jobs and wording; none imports
`handlers` (the Telegram edge calls in, never the other way)."""
