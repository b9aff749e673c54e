"""Mobile app operations (DESIGN.md section 5, mobile): one blueprint, its operations by
theme in the modules imported here."""

from mosaic.functions.mobile import codes, content, login, loyalty, wallet
from mosaic.functions.mobile.blueprint import bp

__all__ = ["bp", "codes", "content", "login", "loyalty", "wallet"]
