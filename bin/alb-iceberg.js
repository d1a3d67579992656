#!/usr/bin/env node
// The `alb-iceberg` command. Runs the TypeScript sources through tsx so that `npx alb-iceberg …` works right after
// `npm ci`, with no build step to remember.
require('tsx/cjs/api').register();
require('./cli.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
