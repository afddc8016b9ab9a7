"""Conformance runs against a live gateway: scim2-tester, and Okta and Entra request replays.

See docs/conformance.md; the entry point is `python -m conformance` (conformance/cli.py).
"""
