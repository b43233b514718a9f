"""The Qt user interface. Calls services only: never opens a Session, never writes SQL."""
