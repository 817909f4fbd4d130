// Small helpers shared across the core and the adapters.

/** The value under `key`, created by `make` when absent (nested count tables). */
export function entry<T>(table: Record<string, T>, key: string, make: () => NoInfer<T>): T {
  let value = table[key];
  if (value === undefined) {
    value = make();
    table[key] = value;
  }
  return value;
}
