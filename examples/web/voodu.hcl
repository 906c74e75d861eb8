# A web API behind HTTPS: a deployment with probes, limits, a migration that
# runs before each replica starts and deploy notifications, and the ingress
# that routes api.example.com to it.
#
# `${API_VERSION:-1.4.2}` takes the image tag from the shell when set, so CI
# can deploy a new build with `API_VERSION=1.5.0 vd apply -f examples/web`.

deployment "shop" "api" {
  image = "ghcr.io/example/shop-api:${API_VERSION:-1.4.2}"

  autoscale {
    min        = 2
    max        = 6
    cpu_target = 70
  }

  ports   = ["3000"]
  restart = "always"

  env = {
    RAILS_ENV       = "production"
    RAILS_LOG_LEVEL = "info"
    WEB_CONCURRENCY = 2
  }

  # Secrets shared by every app in the scope (vd config set -s shop KEY=value).
  env_from = ["shop"]

  extra_hosts = ["legacy-db.internal:10.0.0.5"]

  resources {
    limits {
      cpu    = "1.5"
      memory = "768Mi"
    }
  }

  logs {
    max_size  = "20m"
    max_files = 5
  }

  init "migrate" {
    command = ["bin/rails", "db:migrate"]
    timeout = "5m"
    retries = 2
  }

  probes {
    readiness {
      http_get {
        path = "/up"
        port = 3000
      }
      period            = "5s"
      failure_threshold = 3
    }

    liveness {
      tcp_socket {
        port = 3000
      }
      initial_delay = "20s"
    }
  }

  on_deploy {
    success {
      url = "https://hooks.example.com/deploys"
      body = {
        text = "{{scope}}/{{name}} is live on {{image}}"
      }
    }
    failure {
      url    = "https://hooks.example.com/alerts"
      method = "put"
    }
  }
}

ingress "shop" "api" {
  host = "api.example.com"

  tls {
    email = "ops@example.com"
  }

  location {
    path = "/v1"
  }

  location {
    path  = "/legacy"
    strip = true
  }

  lb {
    policy   = "least_conn"
    interval = "10s"
  }
}
