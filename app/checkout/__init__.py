"""Buyer details, orders and the order state machine."""
