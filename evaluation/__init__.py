"""saferkit.evaluation"""
