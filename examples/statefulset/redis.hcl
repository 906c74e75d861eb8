# Redis with the append-only file turned on, so writes survive a restart.
# For ACLs, TLS or tuning, mount a redis.conf from an asset instead of
# passing flags — ../stack/voodu.hcl shows how.

statefulset "data" "cache" {
  image    = "redis:7-alpine"
  replicas = 1

  command = ["redis-server", "--appendonly", "yes"]
  ports   = ["6379"]

  volume_claim "data" {
    mount_path = "/data"
  }
}
