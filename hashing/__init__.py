"""saferkit.hashing"""
