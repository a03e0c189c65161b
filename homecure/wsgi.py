import os

from django.core.wsgi import get_wsgi_application

from homecure.base.startup import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homecure.settings")

application = get_wsgi_application()
require_secret_key()
