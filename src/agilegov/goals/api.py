from agilegov.api.crud import kind_router
from agilegov.goals.service import KINDS

routers = [kind_router(kind) for kind in KINDS]
