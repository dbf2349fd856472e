"""The project's foundations: exact money, domain types, errors, clocks, the time parser,
coverage keys, loopback serving.
"""
