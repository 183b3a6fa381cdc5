"""Served by the private index only: importing it proves the install used that index."""
VALUE = "from-private-index"
