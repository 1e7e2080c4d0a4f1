"""saferkit.serving"""
