export * from './rules.js';
export * from './simulate.js';
export * from './detector.js';
