/** Four decimal places: the shares and rates the API reports. */
export const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** round4, keeping "no figure" (null or undefined) as null. */
export const round4OrNull = (x: number | null | undefined) => (x == null ? null : round4(x));
