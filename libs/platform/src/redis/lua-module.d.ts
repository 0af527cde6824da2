/** A Redis script file, imported as its text (webpack's asset/source; jest and ts-node load it the same). */
declare module '*.lua' {
  const source: string;
  export default source;
}
