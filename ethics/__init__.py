"""saferkit.ethics"""
