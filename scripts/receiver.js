#!/usr/bin/env node
// A callback receiver for trying the service out: prints every call it gets and answers 200.
//   node scripts/receiver.js [port]     (default 4000)
const http = require('node:http');

const port = Number(process.argv[2] ?? 4000);
http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event;
      try {
        event = JSON.parse(body);
      } catch {
        event = undefined;
      }
      const h = req.headers;
      console.log(
        `${new Date().toISOString()} ${req.method} ${req.url} ${event?.type ?? ''}` +
          ` webhook-id=${h['webhook-id']} x-event-sequence=${h['x-event-sequence']}`,
      );
      console.log(`  ${event ? JSON.stringify(event) : body}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  })
  .listen(port, '127.0.0.1', () => console.log(`receiver listening on http://127.0.0.1:${port}`));
