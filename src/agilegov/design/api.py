from agilegov.api.crud import kind_router
from agilegov.design.service import KINDS

routers = [kind_router(kind) for kind in KINDS]
