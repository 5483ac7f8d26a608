"""Which Go modules imply a backing service (generator/services reads this table)."""

from __future__ import annotations

from generator.services import Driver, Drivers

DRIVERS = Drivers(
    dependencies=("go.mod",),
    sources=("*.go", ".env.example", ".env.sample"),
    drivers=(
        Driver("postgres", ("github.com/lib/pq", "github.com/jackc/pgx", "gorm.io/driver/postgres",
                            "github.com/go-pg/pg", "github.com/uptrace/bun/driver/pgdriver")),
        Driver("mariadb", ("github.com/go-sql-driver/mysql", "gorm.io/driver/mysql")),
        Driver("redis", ("github.com/redis/go-redis", "github.com/go-redis/redis", "github.com/gomodule/redigo",
                         "github.com/redis/rueidis")),
    ),
)
