"""Performance figures of BWC Desk, each next to a baseline measured in the same run.

Run: python -m benchmarks [--size small|large] [--only NAME] [--json PATH]
"""
