#!/usr/bin/env node
// Entry point of `npx sgen-ab`; the commands live in src/cli/.
import { main } from "../src/cli/main.ts";

process.exitCode = await main(process.argv.slice(2));
