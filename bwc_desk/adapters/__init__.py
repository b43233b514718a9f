"""Adapters to the outside world (CSV files, the dock feed). No widgets, no SQL; they hand
what they read to the services through plain values and callbacks."""
