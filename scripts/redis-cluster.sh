#!/usr/bin/env bash
# A local 3-master Redis Cluster for development and CI (no replicas, nothing kept on disk).
#   scripts/redis-cluster.sh start [first-port]   # default 7100: nodes on 7100, 7101, 7102
#   scripts/redis-cluster.sh stop [first-port]
# On start it prints the REDIS_URL that points the service at the cluster.
set -euo pipefail
action=${1:-start}
first=${2:-7100}
ports=("$first" "$((first + 1))" "$((first + 2))")
dir=${TMPDIR:-/tmp}/cbsvc-cluster-$first

case "$action" in
  start)
    mkdir -p "$dir"
    for port in "${ports[@]}"; do
      redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
      rm -f "$dir/nodes-$port.conf"
      redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$dir/nodes-$port.conf" \
        --dir "$dir" --save '' --appendonly no --daemonize yes --logfile "$dir/redis-$port.log"
    done
    for port in "${ports[@]}"; do
      for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-yes >"$dir/create.log"
    for port in "${ports[@]}"; do
      for _ in $(seq 1 100); do
        redis-cli -p "$port" cluster info | grep -q 'cluster_state:ok' && break
        sleep 0.1
      done
    done
    echo "redis+cluster://127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
    ;;
  stop)
    for port in "${ports[@]}"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop [first-port]" >&2
    exit 2
    ;;
esac
