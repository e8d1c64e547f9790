from agilegov.goals.service import KINDS
from agilegov.web.crud import kind_pages

routers = [kind_pages(kind) for kind in KINDS]
