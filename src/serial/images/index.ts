/** TEST images (not real firmware): see appImage.ts. */
export * from './appImage.js';
export * from './factory.js';
