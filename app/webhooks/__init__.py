"""Webhooks out: subscriptions, events written to an outbox, delivery by the background worker."""
