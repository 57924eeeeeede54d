export const standin = true;
