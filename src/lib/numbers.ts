/** Four decimal places: the shares and rates the API reports. */
export const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
