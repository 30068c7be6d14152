"""Invitations that are sent: SMS, Zalo (ZNS) and e-mail gateways, reminders, opt-outs."""
