"""Transports of the notification agents outside the chats (Apprise, Seerr's webhook)."""
