# One-off and scheduled work sharing the app's image and settings.
#
# A job is registered by apply and runs only when asked:
#   vd run shop/reindex
# A cronjob runs on its schedule; its job's fields sit right in the block.

job "shop" "reindex" {
  image    = "ghcr.io/example/shop-api:1.4.2"
  command  = ["bin/rails", "search:reindex"]
  env_from = ["shop/api"]
  timeout  = "30m"

  resources {
    limits {
      memory = "1Gi"
    }
  }
}

cronjob "shop" "nightly-report" {
  schedule           = "30 2 * * mon-fri"
  timezone           = "America/Sao_Paulo"
  concurrency_policy = "Forbid"

  successful_history_limit = 5
  failed_history_limit     = 2

  image   = "ghcr.io/example/shop-api:1.4.2"
  command = ["bin/rails", "reports:nightly"]

  env = {
    REPORT_RECIPIENTS = "finance@example.com"
  }
}
