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
        Driver("mongodb", ("pymongo", "motor", "mongoengine", "beanie", "odmantic", "flask-pymongo",
                           "flask-mongoengine", "django-mongodb-backend")),
        # Celery and kombu speak to Redis as well: their broker URL's scheme (amqp://) says RabbitMQ; and
        # `amqp`, their own dependency, is in every locked Celery app
        Driver("rabbitmq", ("pika", "aio-pika", "aiormq", "librabbitmq", "amqpstorm", "rabbitpy")),
    ),
    settings=(
        Driver("postgres", ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2")),
        Driver("mariadb", ("django.db.backends.mysql",)),
        Driver("redis", ("django.core.cache.backends.redis.RedisCache",)),
        Driver("mongodb", ("django_mongodb_backend",)),
    ),
)
