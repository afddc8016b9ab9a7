"""Typed keys of the console: the signed-in session of a request."""

from aiohttp import web

from auth.model import ConsoleSession

SESSION = web.RequestKey("console_session", ConsoleSession)
# The session's token as the cookie carried it (the CSRF token derives from it).
SESSION_TOKEN = web.RequestKey("console_session_token", str)
COOKIE = "seatgate_console"
