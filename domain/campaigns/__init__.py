"""Survey campaigns for admins: when runs begin (schedule), who gets what (the outbox sender),
how fast (`bot.pacing`), what a send's outcome means (delivery), and the admin's live status
message.
The admins' commands are in `handlers.admin`.
"""
