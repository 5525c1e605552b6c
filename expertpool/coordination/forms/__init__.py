"""Coordinators' forms, one module per subject (members, periods, experts, users, decisions, audit).

Messages are French msgids (lazy); days and euros are typed the French way (expertpool/fields.py).
"""
