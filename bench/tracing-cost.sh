#!/usr/bin/env bash
# What tracing costs (docs/performance.md, "Tracing"): the api's CPU per create and the
# dispatcher's CPU per delivered event, with tracing off and on, in one run, against a build
# from before tracing (BASE_DIST). CPU seconds of each process from /proc/<pid>/stat (user +
# system), not rates: on a shared machine wall time is noise, a process's own CPU much less so.
#
#   npm run build && BASE_DIST=/path/to/old/dist bench/tracing-cost.sh      # EVENTS=5000 RUNS=3
#   CALLER_TRACEPARENT=0 DRAIN=0 BASE_DIST=... bench/tracing-cost.sh        # creates without a caller's traceparent, no drains
#
# Each drain also prints how many deliveries its dispatcher parked (callback_deliveries_parked_total;
# 0 for a build without that counter).
# RUNS rounds of creates: in each, for each build in turn (base, off, on: the machine's noise
# falls on all three alike), a fresh api (manual mode, alone) takes WARM_UP (500) creates, then
# EVENTS counted ones, each sending a caller's `traceparent` and naming one callback to a local
# receiver. The first round's event streams are kept as that build's backlog. Then RUNS rounds
# of drains, each draining every build's backlog once, in turn, with one dispatcher of that build. "on" exports to a local OTLP/HTTP sink that answers 200 and drops
# what it gets. Redis at REDIS_URL; everything made is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-5000}
RUNS=${RUNS:-3}
BASE_DIST=${BASE_DIST:?the dist folder of a build from before tracing}
REDIS=(redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}")
PORT=$((20000 + RANDOM % 20000))
RUN_ID=$$
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "${REDIS[@]}" --scan --pattern "{trace-cost-$RUN_ID*" | xargs -r -n 1000 "${REDIS[@]}" unlink > /dev/null
}
trap cleanup EXIT

# A receiver answering 200 at once (GET on the next port: how many POSTs so far), and the OTLP
# sink (two ports on).
node -e '
const http = require("http"), port = Number(process.argv[1]); let n = 0;
http.createServer({ keepAliveTimeout: 60000 }, (q, s) => q.resume().on("end", () => { n++; s.end("ok"); })).listen(port, "127.0.0.1");
http.createServer((q, s) => s.end(String(n))).listen(port + 1, "127.0.0.1");
http.createServer({ keepAliveTimeout: 60000 }, (q, s) => q.resume().on("end", () => s.end("{}"))).listen(port + 2, "127.0.0.1");' "$PORT" & pids+=($!)
received() { curl -s "127.0.0.1:$((PORT + 1))"; }
OTLP="http://127.0.0.1:$((PORT + 2))"

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
dist_of() { case $1 in base) echo "$BASE_DIST" ;; *) echo dist ;; esac; }
# Tracing on only for "on"; OTEL_BSP_* left at the SDK's defaults.
tracing_env() { if [ "$1" = on ]; then echo "OTEL_EXPORTER_OTLP_ENDPOINT=$OTLP"; else echo "OTEL_SDK_DISABLED=true"; fi; }

export MANAGEMENT_API_KEY=k CALLBACK_ALLOWED_HOSTS=127.0.0.1
echo "node $(node -v); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $EVENTS events per build and round, $RUNS rounds"

# EVENTS creates through a fresh api of `build`, each with a caller's traceparent, after WARM_UP
# creates that are not counted (the JIT's first work); prints the api's CPU per counted create.
creates() {
  local build=$1 prefix=trace-cost-$RUN_ID-$1 api c0 c1
  # shellcheck disable=SC2046
  env $(tracing_env "$build") REDIS_PREFIX="$prefix" COUNTERPARTY_MODE=manual API_PORT=$((PORT + 3)) LOG_LEVEL=warn node "$(dist_of "$build")/apps/api/main.js" > /dev/null 2>&1 & api=$!; pids+=($api)
  until curl -sf "127.0.0.1:$((PORT + 3))/health" > /dev/null; do sleep 0.2; done
  post "$WARM_UP"
  c0=$(cpu $api)
  post "$EVENTS"
  c1=$(cpu $api)
  kill $api; wait $api 2>/dev/null || true
  awk -v b="$build" -v n="$EVENTS" -v c="$((c1 - c0))" -v run="$2" 'BEGIN { printf "create %d %-4s api CPU %.2f s = %.3f ms per create\n", run, b, c / 100, c * 10 / n }'
}
post() {
  node -e '
const http = require("http"), crypto = require("crypto"), [port, n, target] = process.argv.slice(1).map(Number);
const body = JSON.stringify({ "@context": { "@vocab": "https://w3id.org/edc/v0.0.1/ns/" }, "@type": "TransferRequest",
  counterPartyAddress: "http://provider.example/api/dsp", protocol: "dataspace-protocol-http", contractId: "contract-1", assetId: "asset-1",
  transferType: "HttpData-PULL", dataDestination: { type: "HttpProxy" }, callbackAddresses: [{ uri: `http://127.0.0.1:${target}/cb`, events: ["transfer.process"] }] });
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const post = () => new Promise((ok, fail) => http.request({ port, path: "/management/v3/transferprocesses", method: "POST", agent,
  headers: { "content-type": "application/json", "x-api-key": "k", ...(process.env.CALLER_TRACEPARENT === "0" ? {} : { traceparent: `00-${crypto.randomBytes(16).toString("hex")}-${crypto.randomBytes(8).toString("hex")}-01` }) } },
  (r) => r.resume().on("end", () => (r.statusCode === 200 ? ok() : fail(new Error(`create answered ${r.statusCode}`))))).on("error", fail).end(body));
let i = 0;
Promise.all(Array.from({ length: 32 }, async () => { while (i++ < n) await post(); })).then(() => agent.destroy());' $((PORT + 3)) "$1" "$PORT"
}
WARM_UP=${WARM_UP:-500}

declare -A STREAMS BACKLOG
for build in base off on; do
  prefix=trace-cost-$RUN_ID-$build
  agreement_key=$(REDIS_PREFIX=$prefix npx ts-node --transpile-only -r tsconfig-paths/register -e "import { loadConfig, Partitions } from '@app/platform'; import { contractAgreementKey } from './apps/api/src/contract-agreements/contract-agreement.store'; console.log(contractAgreementKey(new Partitions('$prefix', loadConfig(process.env).redisPartitions), 'contract-1'))")
  "${REDIS[@]}" set "$agreement_key" '{"id":"contract-1","providerId":"p","consumerId":"c","contractSigningDate":0,"assetId":"asset-1","policy":{}}' > /dev/null
done
for run in $(seq 1 "$RUNS"); do
  for build in base off on; do
    creates "$build" "$run"
    # The first round's events are the backlog every drain of this build starts from.
    if [ "$run" = 1 ]; then
      prefix=trace-cost-$RUN_ID-$build
      mapfile -t found < <("${REDIS[@]}" --scan --pattern "{$prefix-p*}:event-stream")
      STREAMS[$build]="${found[*]}"
      total=0
      for stream in "${found[@]}"; do
        "${REDIS[@]}" copy "$stream" "${stream%:event-stream}:backlog" > /dev/null
        total=$((total + $("${REDIS[@]}" xlen "$stream")))
      done
      BACKLOG[$build]=$total
    fi
  done
done

[ "${DRAIN:-1}" = 0 ] && exit 0
for run in $(seq 1 "$RUNS"); do
  for build in base off on; do
    prefix=trace-cost-$RUN_ID-$build
    n=${BACKLOG[$build]}
    "${REDIS[@]}" --scan --pattern "{$prefix-p*}:deliver*" | xargs -r -n 1000 "${REDIS[@]}" unlink > /dev/null
    for stream in ${STREAMS[$build]}; do "${REDIS[@]}" copy "${stream%:event-stream}:backlog" "$stream" replace > /dev/null; done
    before=$(received)
    # shellcheck disable=SC2046
    env $(tracing_env $build) REDIS_PREFIX=$prefix LOG_LEVEL=info DISPATCHER_PORT=$((PORT + 4)) node "$(dist_of $build)/apps/dispatcher/main.js" > >(cat > /dev/null) 2>&1 & dispatcher=$!
    until [ $(($(received) - before)) -ge 1 ]; do sleep 0.02; done
    c0=$(cpu $dispatcher)
    until [ $(($(received) - before)) -ge "$n" ]; do sleep 0.02; done
    c1=$(cpu $dispatcher)
    # Deliveries parked through the deliveries queue (a slot not expected soon): each costs a queue
    # round. A build from before the counter (a0e52ed) prints 0 whatever it parked.
    parked=$(curl -s "127.0.0.1:$((PORT + 4))/metrics" | awk '/^callback_deliveries_parked_total/ { s += $2 } END { print s + 0 }')
    kill $dispatcher; wait $dispatcher 2>/dev/null || true
    awk -v b="$build" -v n="$n" -v c="$((c1 - c0))" -v run="$run" -v parked="$parked" \
      'BEGIN { printf "drain %d %-4s dispatcher CPU %.2f s = %.3f ms per event (%d events, %d parked)\n", run, b, c / 100, c * 10 / n, n, parked }'
  done
done
