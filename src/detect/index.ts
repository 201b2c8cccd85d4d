export * from './rules.js';
export * from './simulate.js';
