"""The service's endpoints, one router per area of neuPrintHTTP's API.

Each router reads what the application shares through ``app.state``
(:mod:`.common`): the backend, the configuration, the summary cache and the
log of custom queries, set up by :func:`connectograph.service.app.create_app`.
"""

from .apimeta import router as apimeta
from .cached import router as cached
from .custom import router as custom
from .dbmeta import router as dbmeta
from .meshes_and_skeletons import router as meshes_and_skeletons
from .user import router as user

#: Every router, in the order their routes are listed (``/api/available``).
ROUTERS = (apimeta, dbmeta, custom, cached, meshes_and_skeletons, user)

__all__ = ["ROUTERS"]
