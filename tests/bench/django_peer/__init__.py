"""django-scim2 as the durable peer: a minimal Django project on SQLite (WAL), under gunicorn.

    DJANGO_SETTINGS_MODULE=tests.bench.django_peer.settings BENCH_DJANGO_DB=peer.db \\
        python -m django migrate
    gunicorn -w 1 --threads 8 tests.bench.django_peer.wsgi:application

SCIM under /scim/v2 with one static bearer token (auth.py); /healthz answers without it.
"""

# The one bearer token the project accepts (a throwaway benchmark server).
TOKEN = "bench-django-token"
