"""The staff desk: tickets and their lifecycle, one forum topic per ticket, the card, the staff."""
