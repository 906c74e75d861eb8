# A single PostgreSQL pod with its own persistent volume.
#
# A statefulset pod keeps its ordinal for life: data-pg.0 is always pod 0 and
# always mounts the volume voodu-data-pg-data-0, across restarts, image bumps
# and even `vd delete` (only `--prune` removes volumes).
#
# The password is deliberately absent. Store it in the pod's config bucket
# before the first apply; the controller puts it in the env file the
# container reads at boot:
#
#   vd config set -s data -n pg POSTGRES_PASSWORD=<secret>

statefulset "data" "pg" {
  image    = "postgres:15-alpine"
  replicas = 1

  env = {
    POSTGRES_DB = "myapp"
    # A subdirectory, because the mount point itself holds lost+found on some filesystems.
    PGDATA = "/var/lib/postgresql/data/pgdata"
  }

  ports = ["5432"]

  volume_claim "data" {
    mount_path = "/var/lib/postgresql/data"
  }
}
