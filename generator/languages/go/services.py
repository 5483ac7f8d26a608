"""Which Go import paths imply a backing service (generator/services reads this table).

A Go program says what it uses where it uses it: its imports. go.mod is no evidence here: it
also requires the modules its libraries could use (`// indirect`), such as every driver GORM 1
offers, on a program that opens only SQLite.
"""

from __future__ import annotations

from generator.services import Driver, Drivers

DRIVERS = Drivers(
    dependencies=("*.go",),
    sources=("*.go", ".env.example", ".env.sample"),
    drivers=(
        Driver("postgres", ("github.com/lib/pq", "github.com/jackc/pgx", "gorm.io/driver/postgres",
                            "github.com/jinzhu/gorm/dialects/postgres", "github.com/go-pg/pg",
                            "github.com/uptrace/bun/driver/pgdriver")),
        Driver("mariadb", ("github.com/go-sql-driver/mysql", "gorm.io/driver/mysql",
                           "github.com/jinzhu/gorm/dialects/mysql")),
        Driver("redis", ("github.com/redis/go-redis", "github.com/go-redis/redis", "github.com/gomodule/redigo",
                         "github.com/redis/rueidis")),
        Driver("mongodb", ("go.mongodb.org/mongo-driver", "gopkg.in/mgo.v2", "github.com/globalsign/mgo",
                           "github.com/kamva/mgm")),
        Driver("rabbitmq", ("github.com/rabbitmq/amqp091-go", "github.com/streadway/amqp",
                            "github.com/wagslane/go-rabbitmq")),
    ),
)
