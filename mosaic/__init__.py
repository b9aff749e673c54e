"""Mosaic: the back end of hospitality membership and loyalty programs."""
