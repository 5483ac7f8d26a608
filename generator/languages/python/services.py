"""Which Python distributions and settings imply a backing service (generator/services reads this table)."""

from __future__ import annotations

from generator.services import Driver, Drivers

DRIVERS = Drivers(
    dependencies=("requirements*.txt", "requirements/*.txt", "pyproject.toml", "Pipfile", "setup.py", "setup.cfg"),
    sources=("*.py", ".env.example", ".env.sample"),
    drivers=(
        Driver("postgres", ("psycopg2", "psycopg2-binary", "psycopg", "psycopg-binary", "psycopg-c", "asyncpg",
                            "pg8000", "aiopg")),
        Driver("mariadb", ("mysqlclient", "PyMySQL", "mysql-connector-python", "mariadb", "aiomysql", "asyncmy")),
        Driver("redis", ("redis", "django-redis", "hiredis", "aioredis", "redis-om")),
    ),
    settings=(
        Driver("postgres", ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2")),
        Driver("mariadb", ("django.db.backends.mysql",)),
        Driver("redis", ("django.core.cache.backends.redis.RedisCache",)),
    ),
)
