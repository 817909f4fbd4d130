// npm run screenshots: refreshes the README's pictures of the operators' pages (docs/screenshots/),
// taken in Debian's Chromium at 1280 and 390 px from a fresh demo filled with the same scene as the
// browser test. The test itself writes its pictures to test-results/, so `npm test` leaves the
// committed ones alone.
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startDemo } from "../test/node/support/demo-server.ts";
import { buildScene, CHROMIUM, CHROMIUM_ARGS, screenshots } from "../test/node/support/pages-scene.ts";

const out = join(import.meta.dirname, "..", "docs", "screenshots");
const demo = await startDemo();
try {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const scene = await buildScene(demo.base);
    for (const file of await screenshots(browser, demo.base, scene, process.argv[2] ?? out)) console.log(`wrote ${file}`);
  } finally {
    await browser.close();
  }
} finally {
  await demo.stop();
}
