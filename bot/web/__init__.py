"""The public share pages: a small aiohttp server of its own (bot.web.server), templates and static files."""

from bot.web.server import WebServer

__all__ = ["WebServer"]
