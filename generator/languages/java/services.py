"""Which Java artifacts imply a backing service (generator/services reads this table). Spring Boot apps
take their address as Spring's datasource, Redis, MongoDB and RabbitMQ properties."""

from __future__ import annotations

from generator.services import Driver, Drivers

DRIVERS = Drivers(
    dependencies=("pom.xml", "build.gradle", "build.gradle.kts"),
    sources=("application*.properties", "application*.yml", "application*.yaml", "*.java", "*.kt",
             ".env.example", ".env.sample"),
    drivers=(
        Driver("postgres", ("postgresql", "r2dbc-postgresql")),
        Driver("mariadb", ("mysql-connector-j", "mysql-connector-java", "mariadb-java-client", "r2dbc-mariadb",
                           "r2dbc-mysql")),
        Driver("redis", ("spring-boot-starter-data-redis", "spring-boot-starter-data-redis-reactive", "jedis",
                         "lettuce-core", "redisson")),
        Driver("mongodb", ("spring-boot-starter-data-mongodb", "spring-boot-starter-data-mongodb-reactive",
                           "mongodb-driver-sync", "mongodb-driver-reactivestreams", "quarkus-mongodb-client",
                           "quarkus-mongodb-panache")),
        Driver("rabbitmq", ("spring-boot-starter-amqp", "spring-rabbit", "amqp-client")),
    ),
    convention="spring",
)

#: the JDBC URL scheme each MySQL-protocol driver takes, in the order preferred when several are
#: dependencies: Spring Boot loads the driver its URL's scheme names, and MySQL Connector/J takes
#: `jdbc:mysql:` only (both speak to MariaDB)
JDBC_SCHEMES = (("mariadb-java-client", "mariadb"), ("mysql-connector-j", "mysql"), ("mysql-connector-java", "mysql"))
