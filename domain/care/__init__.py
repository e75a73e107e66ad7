"""After the service: service records, follow-up visits, reminders, events."""
