"""Use cases: one public function per thing a user does.

Each opens its own transaction (the scope of one button push), checks the role, writes the
custody record and returns plain frozen dataclasses, never ORM objects.
"""
