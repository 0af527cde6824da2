#!/usr/bin/env bash
# npm run test:cluster: starts a local 3-master Redis Cluster, runs the end-to-end tests of
# jest.cluster.config.js against it (extra arguments go to jest), and stops it.
set -uo pipefail
cd "$(dirname "$0")/.."
first=${CLUSTER_FIRST_PORT:-7100}
url=$(scripts/redis-cluster.sh start "$first") || { echo "could not start the Redis Cluster" >&2; exit 1; }
echo "Redis Cluster up: $url"
REDIS_URL=$url npx jest --config jest.cluster.config.js "$@"
status=$?
scripts/redis-cluster.sh stop "$first"
exit $status
