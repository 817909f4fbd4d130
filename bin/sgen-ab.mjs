#!/usr/bin/env node
// Entry point of `npx sgen-ab`: the compiled commands in dist/cli/ (built by `npm run build`, which
// `npm install` in this repository and `npm pack` run). Plain JavaScript, so it runs on Node 20 and 22.
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
