// Writes kv-schema/*.json from the zod schemas and the core's assignment (npm run kv-schema).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildKvSchemaFiles } from "./kv-schema.ts";

const dir = join(import.meta.dirname, "..", "kv-schema");
for (const [name, contents] of Object.entries(buildKvSchemaFiles())) {
  writeFileSync(join(dir, name), contents);
  console.log(`wrote kv-schema/${name}`);
}
