#!/usr/bin/env node
// The image's HEALTHCHECK, for whichever app the container runs (one image, two apps): asks
// /health/ready on the api's port and on the dispatcher's (API_PORT, DISPATCHER_PORT, their
// defaults otherwise); the app that answers decides. Exit 0 when it answers 200, 1 otherwise.
const ports = [process.env.API_PORT || 8181, process.env.DISPATCHER_PORT || 8182];
const ask = (port) =>
  fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2500) }).then(
    (res) => res.status,
    () => 0,
  );
Promise.all(ports.map(ask)).then((statuses) => process.exit(statuses.includes(200) ? 0 : 1));
