"""The API's views, one module per kind of object; base.py holds what they share."""
