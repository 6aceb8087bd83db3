// The parts of jstat (a UMD package without its own types) that experiments use.
declare module "jstat" {
  type Dist = { cdf(x: number, ...params: number[]): number; inv(p: number, ...params: number[]): number };
  export const jStat: { normal: Dist; chisquare: Dist };
  const root: { jStat: typeof jStat } & typeof jStat;
  export default root;
}
