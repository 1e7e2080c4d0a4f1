"""saferkit.baseline"""
