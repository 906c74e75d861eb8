# Three PostgreSQL pods, each with its own volume and its own DNS name.
#
#   data-pg.0   pg-0.data, pg.data   volume voodu-data-pg-data-0
#   data-pg.1   pg-1.data, pg.data   volume voodu-data-pg-data-1
#   data-pg.2   pg-2.data, pg.data   volume voodu-data-pg-data-2
#
# pg.data round-robins over all three; pg-N.data always reaches pod N, which
# is what replication wiring needs. This manifest does NOT set replication
# up: the three pods start as independent primaries. For streaming
# replication use the postgres block (the voodu-postgres plugin), an image
# whose entrypoint branches on VOODU_REPLICA_ORDINAL, or init blocks.

statefulset "data" "pg" {
  image    = "postgres:15-alpine"
  replicas = 3

  env = {
    POSTGRES_DB = "myapp"
    PGDATA      = "/var/lib/postgresql/data/pgdata"
  }

  ports = ["5432"]

  volume_claim "data" {
    mount_path = "/var/lib/postgresql/data"
  }
}
