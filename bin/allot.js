#!/usr/bin/env node
// The `allot` command. allot ships as TypeScript and runs it through tsx, so there is no build
// step between `npm install` and `npx allot serve`, and no stale build to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
