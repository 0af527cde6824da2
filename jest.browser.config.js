// The browser tier (`npm run test:browser`): the delivery console driven in a real Chromium,
// Debian's `chromium` package (CHROMIUM, default /usr/bin/chromium) through puppeteer-core;
// never a downloaded browser. `.ci/run` installs the package with apt-get when it is missing.
const base = require('./package.json').jest;

module.exports = {
  ...base,
  testRegex: undefined,
  testMatch: ['<rootDir>/test/browser/*.browser-spec.ts'],
  maxWorkers: 1,
};
