// One `npm pack` for the whole package project: every test file installs the same tarball.
import type { TestProject } from "vitest/node";
import { type PackedInfo, pack } from "./consumer.ts";

declare module "vitest" {
  export interface ProvidedContext {
    packed: PackedInfo;
  }
}

export default function setup(project: TestProject) {
  const packed = pack();
  project.provide("packed", { dir: packed.dir, tarball: packed.tarball, manifest: packed.manifest });
  return () => packed.cleanup();
}
