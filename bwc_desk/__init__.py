"""BWC Desk: body-worn camera custody for police evidence rooms."""

__version__ = "0.2.0"
APP_NAME = "BWC Desk"
APP_AUTHOR = "BWC Desk"
