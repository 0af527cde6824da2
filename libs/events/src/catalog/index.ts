export * from './json-schema';
export * from './payload-schemas';
export * from './edc-model-schemas';
export * from './event-catalog';
