#!/usr/bin/env bash
# The dispatcher's CPU per event, draining the same backlog several times (docs/performance.md,
# "The dispatcher's hot path"). Wall time on a shared machine is noise; the dispatcher's own CPU
# seconds (/proc/<pid>/stat, user + system) per event are what to compare between builds.
#
#   npm run build && bench/drain-cpu.sh                 # EVENTS=10000 RUNS=3
#   NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" RUNS=1 bench/drain-cpu.sh
#
# The api (manual mode, alone) creates EVENTS transfers, each with one callback to a local
# receiver; the event stream is then kept as a copy, and each run puts the copy back and drains
# it with one dispatcher (the product's defaults, LOG_LEVEL=info, its output through a pipe as a
# supervisor would read it). Redis at REDIS_URL; everything made is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-10000}
RUNS=${RUNS:-3}
PREFIX=drain-cpu-$$
REDIS=(redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}")
PORT=$((20000 + RANDOM % 20000))
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "${REDIS[@]}" --scan --pattern "{$PREFIX*" | xargs -r -n 1000 "${REDIS[@]}" unlink > /dev/null
}
trap cleanup EXIT

# A receiver answering 200 at once; GET on the next port tells how many POSTs it has had.
node -e '
const http = require("http"), port = Number(process.argv[1]); let n = 0;
http.createServer({ keepAliveTimeout: 60000 }, (q, s) => q.resume().on("end", () => { n++; s.end("ok"); })).listen(port, "127.0.0.1");
http.createServer((q, s) => s.end(String(n))).listen(port + 1, "127.0.0.1");' "$PORT" & pids+=($!)
received() { curl -s "127.0.0.1:$((PORT + 1))"; }

export REDIS_PREFIX=$PREFIX MANAGEMENT_API_KEY=k CALLBACK_ALLOWED_HOSTS=127.0.0.1
# The agreement the transfers name (a transfer needs one, as in EDC), in its partition.
AGREEMENT_KEY=$(npx ts-node --transpile-only -r tsconfig-paths/register -e "import { loadConfig, Partitions } from '@app/platform'; import { contractAgreementKey } from './apps/api/src/contract-agreements/contract-agreement.store'; console.log(contractAgreementKey(new Partitions('$PREFIX', loadConfig(process.env).redisPartitions), 'contract-1'))")
"${REDIS[@]}" set "$AGREEMENT_KEY" '{"id":"contract-1","providerId":"p","consumerId":"c","contractSigningDate":0,"assetId":"asset-1","policy":{}}' > /dev/null
COUNTERPARTY_MODE=manual API_PORT=$((PORT + 2)) node dist/apps/api/main.js > /dev/null 2>&1 & api=$!; pids+=($api)
until curl -sf "127.0.0.1:$((PORT + 2))/health" > /dev/null; do sleep 0.2; done
node -e '
const http = require("http"), [port, n, target] = process.argv.slice(1).map(Number);
const body = JSON.stringify({ "@context": { "@vocab": "https://w3id.org/edc/v0.0.1/ns/" }, "@type": "TransferRequest",
  counterPartyAddress: "http://provider.example/api/dsp", protocol: "dataspace-protocol-http", contractId: "contract-1", assetId: "asset-1",
  transferType: "HttpData-PULL", dataDestination: { type: "HttpProxy" }, callbackAddresses: [{ uri: `http://127.0.0.1:${target}/cb`, events: ["transfer.process"] }] });
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const post = () => new Promise((ok, fail) => http.request({ port, path: "/management/v3/transferprocesses", method: "POST", agent,
  headers: { "content-type": "application/json", "x-api-key": "k" } }, (r) => r.resume().on("end", () => (r.statusCode === 200 ? ok() : fail(new Error(`create answered ${r.statusCode}`))))).on("error", fail).end(body));
let i = 0;
Promise.all(Array.from({ length: 64 }, async () => { while (i++ < n) await post(); })).then(() => agent.destroy());' $((PORT + 2)) "$EVENTS" "$PORT"
kill $api; wait $api 2>/dev/null || true
# Each partition's event stream is kept as a copy beside it.
mapfile -t STREAMS < <("${REDIS[@]}" --scan --pattern "{$PREFIX-p*}:event-stream")
for stream in "${STREAMS[@]}"; do "${REDIS[@]}" copy "$stream" "${stream%:event-stream}:backlog" > /dev/null; done
backlog=0; for stream in "${STREAMS[@]}"; do backlog=$((backlog + $("${REDIS[@]}" xlen "$stream"))); done
echo "backlog: $backlog events in ${#STREAMS[@]} partitions; node $(node -v); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for run in $(seq 1 "$RUNS"); do
  # The delivery log and the deliveries queues: a delivery parked in one run (its endpoint's
  # bulkhead full) left a job with its id, which would swallow the same delivery's job in the next.
  "${REDIS[@]}" --scan --pattern "{$PREFIX-p*}:deliver*" | xargs -r -n 1000 "${REDIS[@]}" unlink > /dev/null
  for stream in "${STREAMS[@]}"; do "${REDIS[@]}" copy "${stream%:event-stream}:backlog" "$stream" replace > /dev/null; done
  before=$(received)
  # shellcheck disable=SC2086
  LOG_LEVEL=info DISPATCHER_PORT=0 node ${NODE_ARGS:-} dist/apps/dispatcher/main.js > >(cat > /dev/null) 2>&1 & dispatcher=$!
  until [ $(($(received) - before)) -ge 1 ]; do sleep 0.02; done
  t0=$(date +%s.%N); c0=$(cpu $dispatcher)
  until [ $(($(received) - before)) -ge "$EVENTS" ]; do sleep 0.02; done
  t1=$(date +%s.%N); c1=$(cpu $dispatcher)
  peak=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$dispatcher/status")
  kill $dispatcher; wait $dispatcher 2>/dev/null || true
  awk -v n="$EVENTS" -v t="$(echo "$t1 - $t0" | bc)" -v c="$((c1 - c0))" -v peak="$peak" -v run="$run" \
    'BEGIN { printf "run %d: %d events drained in %.2f s; dispatcher CPU %.2f s = %.3f ms per event; peak RSS %d MB\n", run, n, t, c / 100, c * 10 / n, peak }'
done
