# A production-shaped stack: PostgreSQL and Redis configured from files, and
# a web app served over HTTPS.
#
#   asset     config files shipped with the manifest (file) or fetched by
#             the controller (url), mounted into the pods read-only
#   postgres  the voodu-postgres plugin: expands on the server into a
#             statefulset, here with our own config files
#   redis     the voodu-redis plugin, likewise
#   app       a deployment and an ingress in one block
#
# Connection strings and passwords live in config buckets, not here:
#
#   PG_PASS=$(openssl rand -hex 16)
#   vd config set -s data -n pg POSTGRES_PASSWORD=$PG_PASS
#   vd config set -s myapp DATABASE_URL=postgres://postgres:$PG_PASS@pg-0.data:5432/myapp
#   vd config set -s myapp REDIS_URL=redis://cache-0.data:6379/0
#
# Then `vd apply -f voodu.hcl`. The first apply installs both plugins. Editing
# a file under ./configs and applying again changes the asset's digest, which
# restarts the pods that mount it.

# ── Configuration files ──────────────────────────────────────────────────────

asset "data" "pg-config" {
  postgresql_conf = file("./configs/postgresql.conf")
  pg_hba_conf     = file("./configs/pg_hba.conf")
}

asset "data" "redis-config" {
  configuration = file("./configs/redis.conf")

  # Fetched by the controller and cached; a pre-signed URL keeps it private.
  users_acl = url("https://r2.example.com/voodu/redis-users.acl")
}

# ── Databases (plugin blocks) ────────────────────────────────────────────────

postgres "data" "pg" {
  # Pinned: the controller installs exactly this plugin version.
  plugin {
    version = "0.2.0"
  }

  image = "postgres:15-alpine"

  command = [
    "postgres",
    "-c", "config_file=/etc/postgresql/postgresql.conf",
    "-c", "hba_file=/etc/postgresql/pg_hba.conf",
  ]

  # The controller replaces each reference with the asset file's path on the host.
  volumes = [
    "${asset.data.pg-config.postgresql_conf}:/etc/postgresql/postgresql.conf:ro",
    "${asset.data.pg-config.pg_hba_conf}:/etc/postgresql/pg_hba.conf:ro",
  ]
}

redis "data" "cache" {
  # Follows the plugin's newest release on every apply.
  plugin {
    version = "latest"
  }

  image   = "redis:8"
  command = ["redis-server", "/etc/redis/redis.conf"]

  volumes = [
    "${asset.data.redis-config.configuration}:/etc/redis/redis.conf:ro",
    "${asset.data.redis-config.users_acl}:/etc/redis/users.acl:ro",
  ]
}

# ── The application ──────────────────────────────────────────────────────────

app "myapp" "web" {
  image    = "ghcr.io/myorg/myapp:latest"
  replicas = 3
  ports    = ["8080"]

  env = {
    PORT     = "8080"
    NODE_ENV = "production"
  }

  health_check = "/healthz"

  # Ingress half: caddy terminates TLS for this host with a Let's Encrypt certificate.
  host = "myapp.example.com"

  tls {
    email = "ops@example.com"
  }
}
