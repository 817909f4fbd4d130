// One helper for the many maps of lists the compiled config keeps (goals by path, holdouts by layer …).

/** Appends `value` to the list under `key`, starting the list if there is none. */
export function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
