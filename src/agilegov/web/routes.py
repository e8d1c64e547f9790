"""Every part's page routes, in the order they are matched."""

from agilegov.web import pages

web_routers = [pages.router]
