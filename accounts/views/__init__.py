"""The accounts pages: the second step of signing in (two_factor.py) and breaking glass (break_glass.py)."""
