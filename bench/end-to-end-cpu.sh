#!/usr/bin/env bash
# The api's and the dispatcher's CPU per event end to end, without the bench's machinery
# (docs/performance.md, "Against the naive pair"): one api and one dispatcher (the product's
# defaults, LOG_LEVEL as set, output through a pipe), a local receiver answering 200, EVENTS
# creates with 64 in flight after 300 untimed; each process's CPU seconds (/proc/<pid>/stat)
# from the first create until 2 s after the last receipt, per event. Run it for two builds in
# turn (DIST=path/to/other/dist) to compare them on a shared machine.
#
#   npm run build && bench/end-to-end-cpu.sh                 # EVENTS=4000
#   DISPATCHER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" bench/end-to-end-cpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-4000}
DIST=${DIST:-dist}
PREFIX=e2e-cpu-$$
REDIS=(redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}")
PORT=$((20000 + RANDOM % 20000))
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "${REDIS[@]}" --scan --pattern "{$PREFIX*" | xargs -r -n 1000 "${REDIS[@]}" unlink > /dev/null
}
trap cleanup EXIT

# A receiver answering 200 at once; GET on the next port tells how many POSTs it has had.
node -e '
const http = require("http"), port = Number(process.argv[1]); let n = 0;
let connections = 0;
http.createServer({ keepAliveTimeout: 60000 }, (q, s) => q.resume().on("end", () => { n++; s.end("ok"); }))
  .on("connection", () => connections++).listen(port, "127.0.0.1");
http.createServer((q, s) => s.end(q.url === "/connections" ? String(connections) : String(n))).listen(port + 1, "127.0.0.1");' "$PORT" & receiver=$!; pids+=($receiver)
# The receiver's count; the run stops (instead of waiting for ever) if the receiver is gone,
# say because the randomly chosen port was taken.
received() { curl -s "127.0.0.1:$((PORT + 1))" || echo 0; }
receipts_reach() {
  until [ "$(received)" -ge "$1" ]; do
    kill -0 "$receiver" 2>/dev/null || { echo "the receiver on port $PORT exited" >&2; exit 1; }
    sleep 0.05
  done
}

export REDIS_PREFIX=$PREFIX MANAGEMENT_API_KEY=k CALLBACK_ALLOWED_HOSTS=127.0.0.1 COUNTERPARTY_MODE=manual
AGREEMENT_KEY=$(npx ts-node --transpile-only -r tsconfig-paths/register -e "import { loadConfig, Partitions } from '@app/platform'; import { contractAgreementKey } from './apps/api/src/contract-agreements/contract-agreement.store'; console.log(contractAgreementKey(new Partitions('$PREFIX', loadConfig(process.env).redisPartitions), 'contract-1'))")
"${REDIS[@]}" set "$AGREEMENT_KEY" '{"id":"contract-1","providerId":"p","consumerId":"c","contractSigningDate":0,"assetId":"asset-1","policy":{}}' > /dev/null
# shellcheck disable=SC2086
API_PORT=$((PORT + 2)) node ${API_NODE_ARGS:-} "$DIST/apps/api/main.js" > >(cat > /dev/null) 2>&1 & api=$!; pids+=($api)
# shellcheck disable=SC2086
DISPATCHER_PORT=$((PORT + 3)) node ${DISPATCHER_NODE_ARGS:-} "$DIST/apps/dispatcher/main.js" > >(cat > /dev/null) 2>&1 & dispatcher=$!; pids+=($dispatcher)
until curl -sf "127.0.0.1:$((PORT + 2))/health" > /dev/null && curl -sf "127.0.0.1:$((PORT + 3))/health" > /dev/null; do
  kill -0 "$api" 2>/dev/null && kill -0 "$dispatcher" 2>/dev/null || { echo "the api or the dispatcher of $DIST exited before it was ready" >&2; exit 1; }
  sleep 0.2
done
creates() {
  node -e '
const http = require("http"), [port, n, target] = process.argv.slice(1).map(Number);
const body = JSON.stringify({ "@context": { "@vocab": "https://w3id.org/edc/v0.0.1/ns/" }, "@type": "TransferRequest",
  counterPartyAddress: "http://provider.example/api/dsp", protocol: "dataspace-protocol-http", contractId: "contract-1", assetId: "asset-1",
  transferType: "HttpData-PULL", dataDestination: { type: "HttpProxy" }, callbackAddresses: [{ uri: `http://127.0.0.1:${target}/cb`, events: ["transfer.process"] }] });
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const post = () => new Promise((ok, fail) => http.request({ port, path: "/management/v3/transferprocesses", method: "POST", agent,
  headers: { "content-type": "application/json", "x-api-key": "k" } }, (r) => r.resume().on("end", () => (r.statusCode === 200 ? ok() : fail(new Error(`create answered ${r.statusCode}`))))).on("error", fail).end(body));
let i = 0;
Promise.all(Array.from({ length: 64 }, async () => { while (i++ < n) await post(); })).then(() => agent.destroy());' $((PORT + 2)) "$1" "$PORT"
}
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

creates 300
receipts_reach 300
sleep 2
a0=$(cpu $api); d0=$(cpu $dispatcher); t0=$(date +%s.%N)
creates "$EVENTS"
receipts_reach $((300 + EVENTS))
t1=$(date +%s.%N)
sleep 2
a1=$(cpu $api); d1=$(cpu $dispatcher)
# The receiver's connections over the whole run (warm-up included): keep-alive should hold them to
# the dispatcher's sockets in flight at once, not one per delivery.
awk -v n="$EVENTS" -v t="$(echo "$t1 - $t0" | bc)" -v a="$((a1 - a0))" -v d="$((d1 - d0))" -v loadavg="$(cut -d' ' -f1 /proc/loadavg)" \
  -v conns="$(curl -s "127.0.0.1:$((PORT + 1))/connections")" \
  'BEGIN { printf "%d events in %.2f s (%d/s); CPU per event: api %d us, dispatcher %d us; load average %s; %d connections to the receiver\n", n, t, n / t, a * 10000 / n, d * 10000 / n, loadavg, conns }'
