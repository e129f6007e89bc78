"""``datatrail serve``: the screening service (HTTP API, store, queue, workers).

Needs the ``[serve]`` extra (FastAPI, uvicorn, SQLAlchemy, alembic, psycopg); the plain CLI scan
never imports it.
"""
