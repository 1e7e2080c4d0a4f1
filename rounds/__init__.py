"""Hackathon rounds: a round as data (round.yaml), its phases' data, intake, boards and export."""
