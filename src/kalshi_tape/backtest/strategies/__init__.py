"""Strategies: the protocol, the shipped ones, and loading a user's own."""
