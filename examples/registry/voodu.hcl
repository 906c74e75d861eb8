# Private registries: credentials docker on the host uses for every pull.
#
# The token never sits in this file: `${GHCR_TOKEN}` is filled in from your
# shell when you apply (a machine account's token, so every operator applies
# the same credential). An ECR registry needs no secret at all when the host's
# instance role may pull: the credential helper asks AWS at pull time.

registry "ghcr" {
  url      = "ghcr.io"
  username = "${GHCR_USER}"
  token    = "${GHCR_TOKEN}"
}

registry "ecr" {
  url    = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
  helper = "ecr-login"
}

deployment "acme" "worker" {
  image    = "ghcr.io/acme/worker:2.0"
  replicas = 2
  command  = ["bin/worker"]
}
