#!/usr/bin/env bash
# A local Redis Cluster for development and CI (nothing kept on disk).
#   scripts/redis-cluster.sh start [first-port]   # default 7100: 3 masters on 7100, 7101, 7102
#   scripts/redis-cluster.sh stop [first-port]
#   REPLICAS=1 scripts/redis-cluster.sh start 7200  # 3 masters + 3 replicas on 7200..7205
#   REPLICAS=1 scripts/redis-cluster.sh stop 7200
# With REPLICAS=1 the nodes time out after NODE_TIMEOUT ms (default 2000, Redis' own is 15000),
# so that a replica takes over a killed master within seconds (test/cluster/failover.cluster-spec.ts).
# Without it the cluster is the 3-master one CI runs the end-to-end suite on, unchanged.
# On start it prints the REDIS_URL that points the service at the cluster (the masters' ports;
# the client learns the replicas from them).
set -euo pipefail
action=${1:-start}
first=${2:-7100}
replicas=${REPLICAS:-0}
case "$replicas" in 0 | 1) ;; *) echo "REPLICAS must be 0 or 1" >&2; exit 2 ;; esac
count=$((3 * (replicas + 1)))
ports=()
for ((i = 0; i < count; i++)); do ports+=("$((first + i))"); done
dir=${TMPDIR:-/tmp}/cbsvc-cluster-$first
extra=()
if [[ $replicas == 1 || -n ${NODE_TIMEOUT:-} ]]; then extra+=(--cluster-node-timeout "${NODE_TIMEOUT:-2000}"); fi

case "$action" in
  start)
    mkdir -p "$dir"
    for port in "${ports[@]}"; do
      redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
      rm -f "$dir/nodes-$port.conf"
      redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$dir/nodes-$port.conf" \
        --dir "$dir" --save '' --appendonly no --daemonize yes --logfile "$dir/redis-$port.log" \
        --pidfile "$dir/redis-$port.pid" ${extra[@]+"${extra[@]}"}
    done
    for port in "${ports[@]}"; do
      for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    # redis-cli makes the first three nodes masters and the next three their replicas.
    redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log"
    for port in "${ports[@]}"; do
      for _ in $(seq 1 100); do
        redis-cli -p "$port" cluster info | grep -q 'cluster_state:ok' && break
        sleep 0.1
      done
    done
    if [[ $replicas == 1 ]]; then
      # A replica that has not finished its first sync would take over with an empty dataset.
      for port in "${ports[@]:3}"; do
        for _ in $(seq 1 100); do
          redis-cli -p "$port" info replication | grep -q 'master_link_status:up' && break
          sleep 0.1
        done
      done
    fi
    echo "redis+cluster://127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
    ;;
  stop)
    for port in "${ports[@]}"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
    rm -rf "$dir"
    ;;
  *)
    echo "usage: [REPLICAS=1] $0 start|stop [first-port]" >&2
    exit 2
    ;;
esac
