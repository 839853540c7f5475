"""Notifications: mail, invitations and password resets, reminders, the calendar feed."""
