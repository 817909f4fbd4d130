// Files imported as text (`import corpus from "../fixtures/x.txt?raw"`): Vite reads them at build time.
declare module "*?raw" {
  const text: string;
  export default text;
}
