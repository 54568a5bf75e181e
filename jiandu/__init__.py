"""Jiandu (监督): the command line and, later, the web console."""
