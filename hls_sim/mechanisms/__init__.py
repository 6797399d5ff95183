"""The twelve mechanisms of the brief, one module per concern.

demand (1), access (2), allocation (4), support (5), closure (3, 6, 7), workforce (8),
commissioning (9), learning (10, 11), money (12).
"""
