"""saferkit.hub_plugin"""
