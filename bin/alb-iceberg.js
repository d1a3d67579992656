#!/usr/bin/env node
// The `alb-iceberg` command. Runs the TypeScript sources through tsx so that `npx alb-iceberg …` works right after
// `npm ci`, with no build step to remember.
// Under Node < 22 the AWS SDK prints a 9-line NodeVersionSupportWarning on the first client of every run, burying
// each command's output; this package supports Node >= 20.19 (package.json engines). The SDK's own switch turns it
// off (read by @aws-sdk/core's emitWarningIfUnsupportedVersion); set it to 'false' to see the notice again.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs/api').register();
require('./cli.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
