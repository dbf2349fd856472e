"""The `ktape` command line: the command tree, its reference page, output-path checks, extras
hints.
"""
