# The full stack — PostgreSQL, Redis and a web app behind Caddy — from one
# file, on any machine `scripts/setup` prepared: every image here is one of
# the local test images (no registry needed). On a real host swap the images
# for `postgres:15`, `redis:7` and your app's; nothing else changes.
#
#   voodu apply -f examples/stack-local/voodu.hcl   # installs the postgres, redis and caddy plugins
#   voodu pg:link data/pg myapp/web                 # DATABASE_URL into myapp/web's bucket
#   voodu redis:link data/cache myapp/web           # REDIS_URL (+ REDIS_READ_URL)
#   curl -H 'Host: myapp.example.test' http://127.0.0.1/cgi-bin/visit
#
# Passwords are generated on the first apply and live in the config
# buckets (data/pg, data/cache), never in this file; link hands the app
# URLs that carry them.

postgres "data" "pg" {
  image    = "voodu-test/postgres:15"
  database = "myapp"

  pg_config = {
    max_connections = 50
  }
}

redis "data" "cache" {
  image = "voodu-test/redis:7"
}

# The app's code, shipped with the manifest and mounted read-only.
asset "myapp" "code" {
  visit = file("./app/visit.cgi")
}

app "myapp" "web" {
  # Has psql, bash and busybox httpd: enough for a CGI app that talks to both stores.
  image    = "voodu-test/postgres:15"
  replicas = 2
  ports    = ["8080"]

  volumes = ["${asset.myapp.code.visit}:/app/visit.cgi:ro"]
  command = ["sh", "-c", "mkdir -p /www/cgi-bin && cp /app/visit.cgi /www/cgi-bin/visit && chmod 755 /www/cgi-bin/visit && exec httpd -f -p 8080 -h /www"]

  host = "myapp.example.test"
}
