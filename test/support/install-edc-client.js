// Jest's globalSetup, and `npm run typecheck` first (the test imports its types): installs the
// real EDC client (test/edc-client) when it is missing. It has
// a package of its own because it declares Node >= 24 while the project runs on Node 20: kept
// out of the project's lock file, the project's `npm ci` stays free of engine warnings, and
// the client's is quiet (`--loglevel=error`). Its lock file pins what is installed; a clean
// clone installs it once (13 packages, seconds from the npm cache).
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

module.exports = function installEdcClient() {
  const dir = path.join(__dirname, '..', 'edc-client');
  if (existsSync(path.join(dir, 'node_modules', '@think-it-labs', 'edc-connector-client', 'package.json'))) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['ci', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
};
