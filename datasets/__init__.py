"""saferkit.datasets"""
