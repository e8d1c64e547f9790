from agilegov.analysis.service import KINDS
from agilegov.api.crud import kind_router

routers = [kind_router(kind) for kind in KINDS]
